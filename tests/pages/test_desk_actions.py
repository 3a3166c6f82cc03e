import pytest

from tests.factories import issue, make_day
from tests.pages.conftest import HTMX
from tokens.models import Status
from tokens.services import token_call, token_complete

pytestmark = pytest.mark.django_db


def act(client, token, action, headers=None, follow=False, **data):
    url = f"/desk/tokens/{token.pk}/{action}/"
    return client.post(url, data, follow=follow, **(headers or {}))


def test_it_checks_a_patient_in(on_the_day, desk, day):
    token = issue(day, "online")
    response = act(desk, token, "check-in")
    token.refresh_from_db()
    assert response.status_code == 302
    assert token.status == Status.CHECKED_IN


def test_it_returns_only_the_tokens_row_to_htmx(on_the_day, desk, day):
    token = issue(day, "online")
    response = act(desk, token, "check-in", HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith(f'<tr id="token-{token.pk}"')
    assert "Checked in" in html
    assert "tokenChanged" in response["HX-Trigger"]


def test_it_redirects_back_to_the_page_it_came_from(desk, day):
    token = issue(day, "online")
    back = f"/desk/?doctor={day.doctor.pk}&date=2030-01-07&q=zz"
    assert act(desk, token, "check-in", next=back)["Location"] == back


def test_it_ignores_a_next_address_off_the_desk(desk, day):
    token = issue(day, "online")
    response = act(desk, token, "check-in", next="https://evil.example/desk/")
    assert response["Location"].startswith("/desk/?doctor=")


def test_it_cancels_and_promotes_the_waitlisted_token(desk):
    day = make_day(1)
    seated = issue(day, "online")
    waiting = issue(day, "online")
    act(desk, seated, "cancel", HTMX)
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == Status.CANCELLED
    assert waiting.status == Status.ALLOCATED


def test_it_marks_a_no_show(desk, day):
    token = issue(day, "online")
    act(desk, token, "no-show", HTMX)
    token.refresh_from_db()
    assert token.status == Status.NO_SHOW


def test_it_reallocates_to_another_slot(desk, day):
    token = issue(day, "online")
    later = day.slots.order_by("start").last()
    response = act(desk, token, "reallocate", HTMX, slot=later.pk)
    token.refresh_from_db()
    assert response.status_code == 200
    assert token.slot == later


def test_it_refuses_to_reallocate_into_a_full_slot_with_the_apis_message(desk):
    day = make_day(1, 1)
    token = issue(day, "online")
    issue(day, "online")  # takes the 10:00 seat
    full = day.slots.order_by("start").last()
    response = act(desk, token, "reallocate", HTMX, slot=full.pk)
    token.refresh_from_db()
    assert response.status_code == 409
    assert "The 10:00–11:00 slot is full." in response.content.decode()
    assert token.slot != full


def test_it_asks_for_a_slot_when_reallocating_without_one(desk, day):
    token = issue(day, "online")
    response = act(desk, token, "reallocate", HTMX)
    assert response.status_code == 400
    assert b"Choose the slot" in response.content


def test_it_shows_an_invalid_transition_inline(desk, day):
    token = issue(day, "walk_in")
    token_call(token=token, now=token.requested_at)
    token_complete(token=token, now=token.requested_at)
    response = act(desk, token, "cancel", HTMX)
    token.refresh_from_db()
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#desk-alert"
    assert f"Cannot cancel token {token.number}: it is completed." in response.content.decode()
    assert token.status == Status.COMPLETED


def test_it_flashes_the_error_after_a_redirect_without_javascript(desk, day):
    token = issue(day, "walk_in")  # already checked in
    response = act(desk, token, "check-in", follow=True)
    assert f"Cannot check in token {token.number}: it is checked in." in response.content.decode()


def test_it_answers_404_for_an_unknown_token(desk):
    response = desk.post("/desk/tokens/6f1c2a36-0000-4000-8000-000000000000/cancel/")
    assert response.status_code == 404


def test_it_refuses_desk_actions_to_a_doctor(client, doctor_user, day):
    token = issue(day, "online")
    client.force_login(doctor_user)
    assert act(client, token, "cancel").status_code == 403
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED


def test_it_refuses_desk_actions_to_a_portal_client(client, portal_user, day):
    token = issue(day, "online")
    client.force_login(portal_user)
    assert act(client, token, "cancel").status_code == 403


def test_it_lets_an_admin_work_the_desk(on_the_day, client, admin_user, day):
    token = issue(day, "online")
    client.force_login(admin_user)
    act(client, token, "check-in")
    token.refresh_from_db()
    assert token.status == Status.CHECKED_IN


def test_it_refuses_a_get(desk, day):
    token = issue(day, "online")
    assert desk.get(f"/desk/tokens/{token.pk}/cancel/").status_code == 405


@pytest.mark.parametrize(
    ("action", "said"),
    [("check-in", "checked in."), ("cancel", "cancelled."), ("no-show", "marked as no-show.")],
)
def test_an_action_says_what_it_did_in_the_status_region(on_the_day, desk, day, action, said):
    token = issue(day, "online")
    html = act(desk, token, action, HTMX).content.decode()
    assert f'<p id="desk-status" hx-swap-oob="innerHTML">{token.number} {said}</p>' in html


def test_a_move_says_where_to(desk, day):
    token = issue(day, "online")
    later = day.slots.order_by("start").last()
    html = act(desk, token, "reallocate", HTMX, slot=later.pk).content.decode()
    assert f"{token.number} moved to 11:00–12:00.</p>" in html


def test_a_refused_action_empties_the_status_region(desk, day):
    token = issue(day, "walk_in")  # already checked in
    html = act(desk, token, "check-in", HTMX).content.decode()
    assert "Cannot check in" in html
    assert '<p id="desk-status" hx-swap-oob="innerHTML"></p>' in html
