"""Polled regions answer 304 while nothing changed, and the next change reaches the
other desk on its very next poll (tokens.pages.screens)."""

import datetime as dt
import gzip
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PatientFactory, make_day, make_user
from tests.pages.conftest import htmx_target
from tokens.models import Status
from tokens.roles import RECEPTION
from tokens.services import day_set_delay, token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_minute(monkeypatch):
    # The ETag also changes with the minute (estimates move with the clock): hold it,
    # so that a poll on either side of a minute's turn cannot fail these tests.
    monkeypatch.setattr("tokens.pages.screens._minute", lambda: 29_000_000)


def test_a_new_minute_renders_again(desk, today_day, monkeypatch):
    first = poll(desk, desk_url(today_day), "slot-board")
    monkeypatch.setattr("tokens.pages.screens._minute", lambda: 29_000_001)
    assert poll(desk, desk_url(today_day), "slot-board", first["ETag"]).status_code == 200


@pytest.fixture
def today_day(doctor):
    return make_day(3, 3, date=timezone.localdate(), doctor=doctor)


def early() -> dt.datetime:
    """Before today's first slot, whatever the time the suite runs at."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8)))


def poll(client, url: str, target: str, etag: str | None = None):
    headers = htmx_target(target)
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    return client.get(url, **headers)


def desk_url(day) -> str:
    return f"/desk/?doctor={day.doctor_id}&date={day.date:%Y-%m-%d}"


def test_it_answers_an_unchanged_desk_region_with_304(desk, today_day):
    first = poll(desk, desk_url(today_day), "slot-board")
    again = poll(desk, desk_url(today_day), "slot-board", first["ETag"])
    assert first.status_code == 200 and again.status_code == 304
    assert again["ETag"] == first["ETag"] and again.content == b""


def test_a_booking_at_another_desk_reaches_this_desk_on_its_next_poll(desk, today_day):
    first = poll(desk, desk_url(today_day), "token-list")
    token = token_issue(
        day=today_day, patient=PatientFactory(), source="walk_in", now=early()
    ).token
    after = poll(desk, desk_url(today_day), "token-list", first["ETag"])
    assert after.status_code == 200 and token.number in after.content.decode()


def test_each_region_has_its_own_etag(desk, today_day):
    board = poll(desk, desk_url(today_day), "slot-board")
    tokens = poll(desk, desk_url(today_day), "token-list")
    assert board["ETag"] != tokens["ETag"]
    assert "HX-Target" in board["Vary"] and "no-cache" in board["Cache-Control"]


def test_a_delay_reaches_the_doctors_page_on_its_next_poll(client, doctor_user, today_day):
    client.force_login(doctor_user)
    first = poll(client, "/doctor/", "doctor-queue")
    assert poll(client, "/doctor/", "doctor-queue", first["ETag"]).status_code == 304
    day_set_delay(day=today_day, minutes=25, now=early())
    assert poll(client, "/doctor/", "doctor-queue", first["ETag"]).status_code == 200


def test_the_hall_display_answers_304_until_a_token_is_called(client, today_day):
    url = f"/display/?department={today_day.doctor.department_id}"
    first = poll(client, url, "hall-board")
    assert poll(client, url, "hall-board", first["ETag"]).status_code == 304
    token_issue(day=today_day, patient=PatientFactory(), source="walk_in", now=early())
    assert poll(client, url, "hall-board", first["ETag"]).status_code == 200


def test_a_full_page_load_always_renders(desk, today_day):
    first = desk.get(desk_url(today_day))
    assert "ETag" not in first
    assert desk.get(desk_url(today_day), HTTP_IF_NONE_MATCH='"x"').status_code == 200


def test_a_signed_out_poll_still_goes_to_sign_in(client, today_day):
    response = poll(client, desk_url(today_day), "slot-board", '"anything"')
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_desk_polls_once_and_its_pulse_brings_the_regions_when_the_day_changed(desk, today_day):
    page = desk.get(desk_url(today_day)).content.decode()
    # One timer for the whole desk; its four regions wait for the pulse (data-pulse).
    assert page.count('hx-trigger="every 5s"') == 1
    for region in PULSED:
        assert re.search(rf'id="{region}"[^>]*data-pulse', page)  # opd.js: not while busy
    assert "hx-swap-oob" not in page
    pulse = re.search(r'<div id="desk-pulse"[^>]*>', page).group(0)
    assert 'hx-swap="none"' in pulse  # the regions come out of band, the pulse stays empty
    url = html.unescape(re.search(r'hx-get="([^"]+)"', pulse).group(1))
    seeded = html.unescape(re.search(r'data-etag="([^"]+)"', pulse).group(1))
    quiet = poll(desk, url, "desk-pulse", seeded)  # the page's first poll
    assert quiet.status_code == 304 and quiet["ETag"] == seeded
    booked = token_issue(day=today_day, patient=PatientFactory(), source="walk_in", now=early())
    changed = poll(desk, url, "desk-pulse", seeded)
    assert changed.status_code == 200 and "HX-Trigger" not in changed
    body = changed.content.decode()
    # Each region once, in place of its namesake, as its own request would render it.
    roots = re.findall(r'<section id="([a-z-]+)"[^>]*hx-swap-oob="true"', body)
    assert roots == list(PULSED)
    assert booked.token.number in body
    own = poll(desk, url, "token-list").content.decode()
    assert own.strip() in body.replace(' hx-swap-oob="true"', "")
    assert poll(desk, url, "desk-pulse", changed["ETag"]).status_code == 304


PULSED = ("slot-board", "token-list", "waitlist", "calling-order")


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


def test_a_region_rendered_for_one_desk_is_served_to_the_next_without_its_csrf_token(
    reception_user, today_day
):
    token = token_issue(day=today_day, patient=PatientFactory(), source="online", now=early()).token
    first_desk, second_desk = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_desk.force_login(reception_user)
    second_desk.force_login(make_user("omar", RECEPTION))
    pages = [desk.get(desk_url(today_day)).content.decode() for desk in (first_desk, second_desk)]
    first = poll(first_desk, desk_url(today_day), "token-list")
    with CaptureQueriesContext(connection) as queries:
        second = poll(second_desk, desk_url(today_day), "token-list")
    # Not rendered again: no token was read for the second desk.
    assert not [q for q in queries if "tokens_token" in q["sql"]]
    assert first.content == second.content and token.number in second.content.decode()
    # Nobody's CSRF token in a shared copy: htmx sends the page's own in a header.
    assert not CSRF_INPUT.search(second.content.decode()) and "hx-post" in second.content.decode()
    theirs, own = (CSRF_HEADER.search(page).group(1) for page in pages)
    check_in = reverse("desk_check_in", args=[token.pk])
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"token-{token.pk}"}
    assert second_desk.post(check_in, HTTP_X_CSRFTOKEN=theirs, **htmx).status_code == 403
    assert second_desk.post(check_in, HTTP_X_CSRFTOKEN=own, **htmx).status_code == 200
    token.refresh_from_db()
    assert token.status == Status.CHECKED_IN


def test_a_large_shared_region_goes_compressed_to_a_browser_that_takes_gzip(desk, today_day):
    for _ in range(12):
        token_issue(day=today_day, patient=PatientFactory(), source="online", now=early())
    plain = poll(desk, desk_url(today_day), "token-list")
    packed = desk.get(
        desk_url(today_day), HTTP_ACCEPT_ENCODING="gzip, deflate, br", **htmx_target("token-list")
    )
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) * 5 < len(plain.content)
    assert "Accept-Encoding" in packed["Vary"] and packed["ETag"] == plain["ETag"]


def test_every_form_of_a_shared_region_posts_through_htmx(desk, doctor_user, today_day):
    # A shared copy has no CSRF input: a form in it must post with htmx, which sends
    # the page's token in a header (a plain POST would be refused).
    for _ in range(3):
        token_issue(day=today_day, patient=PatientFactory(), source="walk_in", now=early())
    doctor = Client()
    doctor.force_login(doctor_user)
    regions = [
        poll(desk, desk_url(today_day), "token-list"),
        poll(doctor, "/doctor/", "doctor-queue"),
    ]
    for region in regions:
        forms = re.findall(r"<form\b[^>]*>", region.content.decode())
        posts = [form for form in forms if 'method="post"' in form]
        assert posts and all("hx-post=" in form for form in posts)
