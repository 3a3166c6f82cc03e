import pytest

from tests.factories import issue, make_day
from tests.pages.conftest import HTMX
from tokens.models import Patient, Source, Status, Token

pytestmark = pytest.mark.django_db


def post_issue(client, day, headers=None, follow=False, **fields):
    data = {"name": "Asha Rao", "phone": "+919812345678", "source": "walk_in", **fields}
    return client.post(f"/desk/days/{day.pk}/issue/", data, follow=follow, **(headers or {}))


def test_it_issues_a_walk_in_and_redirects_back_to_the_desk(on_the_day, desk, day):
    response = post_issue(desk, day)
    token = Token.objects.get()
    assert response.status_code == 302
    assert f"doctor={day.doctor.pk}" in response["Location"]
    assert f"issued={token.pk}" in response["Location"]
    assert token.status == Status.CHECKED_IN


def test_it_shows_the_issued_token_after_the_redirect(desk, day):
    response = post_issue(desk, day, follow=True)
    token = Token.objects.get()
    assert f'data-token="{token.number}"' in response.content.decode()
    assert f"/tokens/{token.pk}/slip/" in response.content.decode()


def test_it_returns_the_issue_panel_to_htmx_with_an_event(desk, day):
    response = post_issue(desk, day, HTMX)
    token = Token.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<section id="issue-panel"')
    assert f'data-token="{token.number}"' in html
    assert "tokenIssued" in response["HX-Trigger"]


def test_it_books_the_chosen_slot(desk, day):
    slot = day.slots.order_by("start").last()
    post_issue(desk, day, slot=slot.pk, source="online")
    assert Token.objects.get().slot == slot


@pytest.mark.parametrize("typed", ["98123 45678", "098123-45678", "+91 (98123) 45678"])
def test_it_normalises_the_phone_number(desk, day, typed):
    post_issue(desk, day, phone=typed)
    assert Patient.objects.get().phone == "+919812345678"


def test_it_tells_which_token_was_moved_to_make_room(desk):
    day = make_day(1, 1)
    walk_in = issue(day, "walk_in")
    html = post_issue(desk, day, HTMX, source="emergency").content.decode()
    assert f"{walk_in.number} was moved to" in html


def test_it_refuses_a_duplicate_with_the_apis_message(desk, day):
    first = issue(day, "online")
    response = post_issue(desk, day, HTMX, name=first.patient.name, phone=first.patient.phone)
    assert response.status_code == 409
    assert (
        f"{first.patient.name} already holds token {first.number} for this doctor that day."
        in response.content.decode()
    )
    assert Token.objects.count() == 1


def test_it_rerenders_the_full_page_with_the_error_without_javascript(desk, day):
    first = issue(day, "online")
    response = post_issue(desk, day, name=first.patient.name, phone=first.patient.phone)
    assert response.status_code == 409
    assert b"<html" in response.content
    assert b'data-code="duplicate_token"' in response.content


def test_it_refuses_a_bad_phone_and_keeps_what_was_typed(desk, day):
    response = post_issue(desk, day, HTMX, phone="12ab")
    assert response.status_code == 400
    assert b"Enter a valid phone number, e.g. 081234 56789 or +91 81234 56789." in response.content
    assert b'value="Asha Rao"' in response.content
    assert not Patient.objects.exists()


def test_it_refuses_a_source_that_does_not_exist(desk, day):
    response = post_issue(desk, day, HTMX, source="vip")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_it_refuses_a_slot_of_another_day(desk, day):
    foreign = make_day(2).slots.get()
    response = post_issue(desk, day, HTMX, slot=foreign.pk)
    assert response.status_code == 400
    assert b"That slot does not belong to this doctor&#x27;s day." in response.content
    assert not Patient.objects.exists()


def test_it_refuses_a_cancelled_day_and_leaves_no_patient_behind(desk, day):
    day.cancelled = True
    day.save()
    response = post_issue(desk, day, HTMX)
    assert response.status_code == 409
    assert not Patient.objects.exists()


def test_it_offers_reception_every_source(desk, day):
    html = desk.get(f"/desk/?doctor={day.doctor.pk}&date={day.date:%Y-%m-%d}").content.decode()
    for source in Source.values:
        assert f'name="source" value="{source}"' in html


def test_it_defaults_the_source_to_walk_in(desk, day):
    html = desk.get(f"/desk/?doctor={day.doctor.pk}&date={day.date:%Y-%m-%d}").content.decode()
    assert 'value="walk_in" checked' in html


def test_it_refuses_issuing_to_a_doctor(client, doctor_user, day):
    client.force_login(doctor_user)
    assert post_issue(client, day).status_code == 403
    assert not Token.objects.exists()


def test_it_refuses_a_get(desk, day):
    assert desk.get(f"/desk/days/{day.pk}/issue/").status_code == 405


@pytest.mark.parametrize("name", ["   ", ""])
def test_a_name_of_only_spaces_asks_for_the_name(desk, day, name):
    response = post_issue(desk, day, HTMX, name=name)
    assert response.status_code == 400
    assert "Enter the patient&#x27;s name." in response.content.decode()
    assert "This field is required." not in response.content.decode()
    assert not Token.objects.exists()


def test_a_missing_phone_asks_for_the_phone(desk, day):
    response = post_issue(desk, day, HTMX, phone="  ")
    assert "Enter the patient&#x27;s phone number." in response.content.decode()


def test_issuing_says_so_in_the_desks_status_region(desk, day):
    response = post_issue(desk, day, HTMX)
    token = Token.objects.get()
    html = response.content.decode()
    status = f'<p id="desk-status" hx-swap-oob="innerHTML">{token.number} issued (09:00–10:00).</p>'
    assert status in html
    assert '<div id="desk-alert" hx-swap-oob="innerHTML"></div>' in html  # an old error goes


def test_a_refused_issue_empties_the_status_region(desk, day):
    html = post_issue(desk, day, HTMX, phone="abc").content.decode()
    assert '<p id="desk-status" hx-swap-oob="innerHTML"></p>' in html


def test_the_issued_panel_is_not_a_second_live_region(desk, day):
    html = post_issue(desk, day, HTMX).content.decode()
    issued = html[html.index('<div class="issued') :]
    assert 'role="status"' not in issued[: issued.index(">")]
