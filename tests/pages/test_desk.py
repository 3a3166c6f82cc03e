import pytest

from tests.factories import DAY, issue, make_day
from tests.pages.conftest import htmx_target
from tokens.services import day_cancel

pytestmark = pytest.mark.django_db


def desk_url(day, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"/desk/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}" + (f"&{query}" if query else "")


def test_it_shows_the_full_desk_page(desk, day):
    response = desk.get(desk_url(day))
    assert response.status_code == 200
    assert b"<html" in response.content
    assert b'id="slot-board"' in response.content


def test_it_shows_each_slot_with_its_occupancy(desk, day):
    issue(day, "online")
    html = desk.get(desk_url(day)).content.decode()
    assert '<span class="slot-count">1/2</span>' in html


def test_it_marks_a_full_slot(desk, day):
    issue(day, "online")
    issue(day, "online")
    html = desk.get(desk_url(day)).content.decode()
    assert "slot-full" in html


def test_it_marks_an_emergency_overbook(desk):
    day = make_day(1)
    issue(day, "emergency")
    issue(day, "emergency")
    html = desk.get(desk_url(day)).content.decode()
    assert "+1 overbook" in html
    assert '<span class="slot-count">2/1</span>' in html


def test_it_marks_a_closed_slot(desk, day):
    slot = day.slots.first()
    slot.closed = True
    slot.save()
    assert "tag-closed" in desk.get(desk_url(day)).content.decode()


def test_it_lists_the_waitlist_and_calling_order(desk):
    day = make_day(1)
    walk_in = issue(day, "walk_in")
    waiting = issue(day, "walk_in")
    html = desk.get(desk_url(day)).content.decode()
    waitlist = html[html.index('id="waitlist"') :]
    calling = html[html.index('id="calling-order"') : html.index('id="waitlist"')]
    assert waiting.number in waitlist
    assert walk_in.number in calling


def test_it_returns_only_the_region_an_htmx_request_targets(desk, day):
    response = desk.get(desk_url(day), **htmx_target("slot-board"))
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<section id="slot-board"')
    assert 'id="waitlist"' not in html


def test_it_returns_the_whole_desk_body_for_an_unknown_htmx_target(desk, day):
    html = desk.get(desk_url(day), **htmx_target("nonsense")).content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="desk"')


def test_it_finds_a_token_by_number_across_doctors(desk, day):
    other = issue(make_day(2), "online")
    html = desk.get(desk_url(day, q=other.number), **htmx_target("token-list")).content.decode()
    assert f'data-number="{other.number}"' in html


def test_it_finds_a_token_by_phone(desk, day):
    token = issue(day, "online")
    html = desk.get(desk_url(day, q=token.patient.phone[-6:])).content.decode()
    assert f'data-number="{token.number}"' in html


def test_it_says_when_the_doctor_has_no_slots_that_day(desk, doctor):
    response = desk.get(f"/desk/?doctor={doctor.pk}&date=2030-02-01")
    assert b"has no slots on" in response.content


def test_it_answers_bad_filters_with_400(desk, day):
    response = desk.get("/desk/?doctor=abc&date=yesterday")
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_it_refuses_the_desk_to_a_doctor(client, doctor_user):
    client.force_login(doctor_user)
    assert client.get("/desk/").status_code == 403


def test_it_shows_a_cancelled_days_slots_closed_as_the_api_does(desk, day, morning):
    issue(day, "online")
    day_cancel(day=day, reason="Doctor unwell", now=morning)
    html = desk.get(desk_url(day)).content.decode()
    api = desk.get(f"/api/v1/slots/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}").json()
    assert "slot-closed" in html and "slot-open" not in html
    assert {slot["status"] for slot in api["results"]} == {"closed"}


def test_changing_department_pushes_the_address_of_the_doctor_shown(desk, day):
    other = make_day(2)  # another doctor, in another department
    url = f"/desk/?department={other.doctor.department.pk}&doctor={day.doctor.pk}&date=2030-01-07"
    response = desk.get(url, **htmx_target("desk"))
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/desk/?doctor={other.doctor.pk}&date=2030-01-07"


def test_a_refreshing_region_pushes_no_address(desk, day):
    for region in ("slot-board", "token-list", "calling-order", "waitlist"):
        assert "HX-Push-Url" not in desk.get(desk_url(day), **htmx_target(region))


def test_bad_filters_from_a_region_replace_the_whole_desk(desk, day):
    response = desk.get(desk_url(day, q="x" * 41), **htmx_target("token-list"))
    assert response.status_code == 400
    assert response.content.decode().strip().startswith('<div id="desk"')
    assert response["HX-Retarget"] == "#desk"
    assert response["HX-Reswap"] == "outerHTML"


def test_the_search_box_takes_no_more_than_the_search_does(desk, day):
    assert b'name="q" value="" maxlength="40"' in desk.get(desk_url(day)).content


def test_the_desk_holds_a_status_region_for_screen_readers(desk, day):
    html = desk.get(desk_url(day)).content.decode()
    assert '<p id="desk-status" class="action-status" role="status" aria-live="polite">' in html


def test_the_shortcuts_are_single_keys_the_same_in_every_browser(desk, day):
    html = desk.get(desk_url(day)).content.decode()
    assert 'data-shortcut="n" aria-keyshortcuts="N"' in html  # the patient name
    assert "accesskey" not in html and "Alt+Shift" not in html
    assert "<kbd>N</kbd> name" in html
