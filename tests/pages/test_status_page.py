"""The patient's live status page, /t/<code>/: public, by the token's public code;
number, doctor, room, slot, position and estimate; what happened in plain words; the
patient's own cancel; 304 for an unchanged poll; 404 for a wrong code; 429 past the
rate; English or Hindi."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day, slots_of
from tests.pages.conftest import HTMX, htmx_target
from tokens.models import EventKind, Status
from tokens.public_codes import status_path, token_public_code
from tokens.services import day_cancel, slot_close, token_call, token_cancel

pytestmark = pytest.mark.django_db


def page(client, token, **headers) -> str:
    response = client.get(status_path(token), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_number_doctor_room_slot_position_and_estimate(client, day):
    issue(day, "online")
    token = issue(day, "online")  # second of two seats 09–10: pace 30 min
    html = page(client, token)
    assert f'id="token-number">{token.number}<' in html
    assert day.doctor.name in html
    assert f'data-role="room">{day.doctor.room}<' in html
    assert 'data-role="slot">09:00–10:00<' in html
    assert 'data-role="position">2<' in html
    assert 'data-role="eta">about 09:30<' in html
    assert "Mon 7 Jan 2030" in html
    assert '<html lang="en">' in html


def test_it_needs_no_login_and_shows_no_name_or_phone(client, day):
    patient = PatientFactory(name="Asha Rao", phone="+919812345678")
    token = issue(day, "online", patient=patient)
    html = page(client, token)
    assert "Asha" not in html
    assert "Rao" not in html
    assert "12345678" not in html and "5678<" not in html
    assert "<dd>A. R.</dd>" in html  # initials at most
    assert "topbar" not in html  # no staff navigation


def test_a_waitlisted_token_shows_its_place_on_the_waitlist(client, day):
    for _ in range(6):
        issue(day, "online")
    token = issue(day, "online")
    html = page(client, token)
    assert "Place on the waitlist" in html
    assert 'data-role="position">1<' in html
    assert 'data-role="slot">Waitlist<' in html


@pytest.mark.parametrize(
    "code",
    [
        "AAAAAAAAAAAAAAAAAAAAAA",  # well formed, no such token
        "short",
        "AAAAAAAAAAAAAAAAAAAAAB",  # a second spelling of an id: refused
        "AAAAAAAAAAAAAAAAAAAA=A",
        "6f1c2a36-0000-4000-8000-000000000000",  # the UUID itself is not the code
    ],
)
def test_an_unknown_or_malformed_code_is_a_404(client, day, code):
    issue(day, "online")
    assert client.get(f"/t/{code}/").status_code == 404
    assert client.get(f"/t/{code}/", **HTMX).status_code == 404
    assert client.post(f"/t/{code}/cancel/").status_code == 404


def test_the_code_is_22_characters_of_base64url(day):
    token = issue(day, "online")
    code = token_public_code(token)
    assert len(code) == 22
    assert status_path(token) == f"/t/{code}/"


# --------------------------------------------------------------------------- live


def test_it_polls_every_5_seconds_while_the_token_is_active(client, day):
    token = issue(day, "online")
    html = page(client, token)
    assert f'hx-get="/t/{token_public_code(token)}/?lang=en" hx-trigger="every 5s"' in html
    fragment = client.get(status_path(token), **htmx_target("token-status")).content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith('<section id="token-status"')


def test_a_finished_token_stops_polling(client, day):
    token = issue(day, "online")
    token_cancel(token=token, now=at(8, 5))
    assert 'hx-trigger="every 5s"' not in page(client, token)


def test_an_unchanged_poll_is_a_304_and_a_change_renders_again(client, day):
    token = issue(day, "online")
    headers = htmx_target("token-status")
    first = client.get(status_path(token), **headers)
    etag = first["ETag"]
    again = client.get(status_path(token), HTTP_IF_NONE_MATCH=etag, **headers)
    assert again.status_code == 304
    issue(day, "online")  # the engine changed the day: the token's page may have changed
    changed = client.get(status_path(token), HTTP_IF_NONE_MATCH=etag, **headers)
    assert changed.status_code == 200


# --------------------------------------------------------------------------- events


def test_issued_and_promoted_in_plain_words(client, day):
    seated = [issue(day, "online") for _ in range(6)]
    token = issue(day, "online")  # waitlisted
    token_cancel(token=seated[0], now=at(8, 10))  # its seat goes to the waitlist
    html = page(client, token)
    assert "Token issued. No seat was free yet: you are on the waitlist." in html
    assert "A seat became free: you now have the 09:00–10:00 slot." in html
    assert html.index("A seat became free") < html.index("Token issued.")  # latest first


def test_a_closed_slot_says_where_the_token_moved_and_why(client, day):
    token = issue(day, "online")
    slot_close(slot=slots_of(day)[0], now=at(8, 5), reason="Doctor in theatre")
    html = page(client, token)
    assert "Moved to 10:00–11:00 because the doctor&#x27;s 09:00–10:00 slot was closed." in html
    assert "Doctor in theatre" not in html  # a staff note, not the patient's


def test_a_displacement_says_a_priority_patient_needed_the_slot(client, day):
    issue(day, "walk_in")
    later = issue(day, "walk_in")  # the latest arrival of the lowest priority moves
    issue(day, "emergency", slot=slots_of(day)[0])
    html = page(client, later)
    assert (
        "Moved to 10:00–11:00: a patient with a higher priority needed the doctor&#x27;s "
        "09:00–10:00 slot." in html
    )
    assert 'data-role="slot">10:00–11:00<' in html


def test_a_cancelled_day_gives_its_reason(client, day):
    token = issue(day, "online")
    day_cancel(day=day, reason="Dr Sharma is on leave", now=at(7))
    html = page(client, token)
    assert (
        "Your token was cancelled because the doctor&#x27;s day was cancelled: "
        "Dr Sharma is on leave" in html
    )
    assert "This token is cancelled." in html
    assert "Cancel my token" not in html


def test_a_called_token_is_told_to_go_in(client, doctor):
    today = make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    token = issue(today, "walk_in")
    token_call(token=token, now=token.requested_at)
    html = page(client, token)
    assert "It is your turn: please go in to room 101 now." in html
    assert "Called in to room 101." in html
    assert 'data-status="in_consultation">Your turn<' in html
    assert 'data-role="position"' not in html  # no place in a queue: it is their turn


# --------------------------------------------------------------------------- cancel


def test_the_patient_cancels_a_waiting_token(client, day):
    token = issue(day, "online")
    html = page(client, token)
    assert "Cancel my token" in html
    assert "hx-confirm=" in html
    assert 'name="csrfmiddlewaretoken"' in html
    response = client.post(f"{status_path(token)}cancel/?lang=en", **htmx_target("token-status"))
    assert response.status_code == 200
    assert "Your token is cancelled." in response.content.decode()
    token.refresh_from_db()
    assert token.status == Status.CANCELLED
    event = token.events.get(kind=EventKind.CANCELLED)
    assert event.actor is None
    assert event.reason == "Cancelled by the patient on the status page."
    assert "You cancelled this token." in page(client, token)


def test_without_javascript_the_cancel_goes_back_to_the_page(client, day):
    token = issue(day, "online")
    response = client.post(f"{status_path(token)}cancel/")
    assert response.status_code == 302
    assert response["Location"] == f"{status_path(token)}?lang=en"


def test_a_cancel_frees_the_seat_for_the_waitlist(client, day):
    seated = [issue(day, "online") for _ in range(6)]
    waiting = issue(day, "online")
    client.post(f"{status_path(seated[0])}cancel/")
    waiting.refresh_from_db()
    assert waiting.status == Status.ALLOCATED


def test_a_called_token_cannot_be_cancelled_here(client, doctor):
    today = make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    token = issue(today, "walk_in")
    token_call(token=token, now=token.requested_at)
    assert "Cancel my token" not in page(client, token)
    response = client.post(f"{status_path(token)}cancel/", **htmx_target("token-status"))
    assert response.status_code == 409
    assert "can no longer be cancelled here" in response.content.decode()
    token.refresh_from_db()
    assert token.status == Status.IN_CONSULTATION


def test_a_checked_in_token_is_cancelled_at_the_desk_not_here(client, doctor):
    today = make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    token = issue(today, "walk_in")  # issued today: checked in at the desk
    assert client.post(f"{status_path(token)}cancel/").status_code == 409
    token.refresh_from_db()
    assert token.status == Status.CHECKED_IN


def test_the_cancel_needs_the_csrf_token(day):
    token = issue(day, "online")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{status_path(token)}cancel/").status_code == 403
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED


def test_the_cancel_is_a_post(client, day):
    token = issue(day, "online")
    assert client.get(f"{status_path(token)}cancel/").status_code == 405


# --------------------------------------------------------------------------- rate limit


@pytest.fixture
def one_minute(monkeypatch):
    """The rate limit's clock stopped mid-minute: the window cannot roll over."""
    monkeypatch.setattr("tokens.pages.ratelimit._now", lambda: 1_800_000_030.0)


def test_60_requests_a_minute_then_429_with_retry_after(client, day, one_minute):
    token = issue(day, "online")
    for _ in range(60):
        assert client.get(status_path(token)).status_code == 200
    refused = client.get(status_path(token))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    # Wrong codes count too: guessing is as limited as reading.
    assert client.get("/t/AAAAAAAAAAAAAAAAAAAAAA/").status_code == 429


def test_the_limit_is_per_client_address(client, day, one_minute):
    token = issue(day, "online")
    for _ in range(60):
        client.get(status_path(token))
    assert client.get(status_path(token)).status_code == 429
    assert client.get(status_path(token), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_unchanged_polls_do_not_use_up_the_budget(client, day, settings, one_minute):
    settings.OPD_STATUS_RATE = "3/min"
    token = issue(day, "online")
    headers = htmx_target("token-status")
    etag = client.get(status_path(token), **headers)["ETag"]  # 1
    for _ in range(10):
        assert client.get(status_path(token), HTTP_IF_NONE_MATCH=etag, **headers).status_code == 304
    assert client.get(status_path(token)).status_code == 200  # 2
    assert client.get(status_path(token)).status_code == 200  # 3
    assert client.get(status_path(token)).status_code == 429


def test_10_cancels_a_minute(client, day, one_minute):
    tokens = [issue(day, "online") for _ in range(11)]
    for token in tokens[:10]:
        assert client.post(f"{status_path(token)}cancel/").status_code == 302
    refused = client.post(f"{status_path(tokens[10])}cancel/")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    tokens[10].refresh_from_db()
    assert tokens[10].status == Status.ALLOCATED


# --------------------------------------------------------------------------- Hindi


def test_the_browsers_language_picks_hindi(client, day):
    token = issue(day, "online")
    response = client.get(status_path(token), HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9,en;q=0.8")
    html = response.content.decode()
    assert '<html lang="hi">' in html
    assert response["Content-Language"] == "hi"
    assert "आपका टोकन" in html  # Your token
    assert "अनुमानित समय" in html  # Estimated time
    assert "लगभग 09:00 बजे" in html  # about 09:00
    assert "मेरा टोकन रद्द करें" in html  # Cancel my token
    assert "Your token" not in html
    assert f'hx-get="/t/{token_public_code(token)}/?lang=hi"' in html


def test_the_switch_picks_a_language_and_remembers_it(client, day):
    token = issue(day, "online")
    html = page(client, token, HTTP_ACCEPT_LANGUAGE="hi")
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in html
    response = client.get(f"{status_path(token)}?lang=en", HTTP_ACCEPT_LANGUAGE="hi")
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    # The cookie now wins over the browser's language.
    assert '<html lang="en">' in page(client, token, HTTP_ACCEPT_LANGUAGE="hi")


def test_events_read_in_hindi(client, day):
    token = issue(day, "online")
    day_cancel(day=day, reason="Doctor on leave", now=at(7))
    html = page(client, token, HTTP_ACCEPT_LANGUAGE="hi")
    assert "आपका टोकन रद्द कर दिया गया, क्योंकि डॉक्टर की उस दिन की ओपीडी रद्द हो गई: " in html
    assert "Doctor on leave" in html  # the reason, as the hospital wrote it
    assert "09:00–10:00 के समय के लिए टोकन जारी हुआ।" in html


def test_staff_pages_stay_english_after_a_hindi_status_page(client, day, reception_user):
    token = issue(day, "online")
    page(client, token, HTTP_ACCEPT_LANGUAGE="hi")
    client.get(f"{status_path(token)}?lang=hi")  # the language cookie is now hi
    client.force_login(reception_user)
    desk = client.get(f"/desk/?doctor={day.doctor_id}&date=2030-01-07").content.decode()
    assert '<html lang="en">' in desk
    assert "Reception desk" in desk


def test_an_unchanged_poll_costs_two_queries_and_a_page_a_few(
    client, day, django_assert_num_queries, django_assert_max_num_queries
):
    token = issue(day, "online")
    headers = htmx_target("token-status")
    with django_assert_max_num_queries(5):  # the version (2), the token, its place, its events
        etag = client.get(status_path(token), **headers)["ETag"]
    with django_assert_num_queries(2):  # the token's doctor-day, then its version
        assert client.get(status_path(token), HTTP_IF_NONE_MATCH=etag, **headers).status_code == 304
