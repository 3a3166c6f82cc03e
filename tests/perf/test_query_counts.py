"""SQL queries per operation must not grow with the day (issue 7; README, "Performance").

Each operation is measured on a small and a large doctor-day: the counts must be
equal and within budget. These are counts, not timings, so they are stable; the
timings are in bench/benchmark.py and the README. Counts here include the two
SAVEPOINT statements that the test's transaction turns each atomic block into,
so production sends two fewer than measured here.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PatientFactory, make_day
from tokens.models import Status, Token
from tokens.services import (
    token_call,
    token_cancel,
    token_check_in,
    token_complete,
    token_issue,
    token_mark_no_show,
)

pytestmark = pytest.mark.django_db

# Every change that owes messages records them in its own transaction
# (docs/notifications.md): two more statements per notices.record() call, the
# notifications' INSERT and the INSERT of their one delivery task.
OUTBOX = 2
# Per engine operation (issue 7): 10, plus the outbox. A no-show that promotes records
# twice (the engine records per event): the no-show's notice and the promotion's.
# A cancellation that promotes records once (a cancellation is silent): 10 + 2.
ENGINE_BUDGET = 10 + 2 * OUTBOX
# A booking (issue 14): the lock, one read, one write that also records the outbox's
# notifications and their delivery task, between SAVEPOINT and RELEASE here (BEGIN
# and COMMIT in production); the API adds the check of its API key.
BOOKING_STATEMENTS = 5
API_BOOKING_STATEMENTS = 6
PAGE_BUDGET = 15  # the desk page, whatever the size of the day
SCREEN_POLL = 3  # an unchanged screen's poll
SIZES = (10, 200)
DATE = timezone.localdate() + dt.timedelta(days=1)  # pages and API refuse the past


def moment(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DATE, dt.time(hour, minute)))


def busy_day(size: int):
    """A doctor-day holding ``size`` tokens: the first slots full, a waitlist,
    patients checked in, consultations finished and one under way."""
    day = make_day(*[max(size // 10, 1)] * 8, date=DATE, start_hour=9)
    for _ in range(size):
        token_issue(day=day, patient=PatientFactory(), source="online", now=moment(8, 0))
    seated = list(Token.objects.filter(day=day, status=Status.ALLOCATED).order_by("seq"))
    for token in seated[: len(seated) // 2 + 2]:
        token_check_in(token=token, now=moment(8, 30))
    for token in seated[:3]:
        token_call(token=token, now=moment(9, 0))
        token_complete(token=token, now=moment(9, 5))
    token_call(token=seated[3], now=moment(9, 6))
    assert day.tokens.filter(status=Status.WAITLISTED).exists()
    return day


def count(operation) -> int:
    with CaptureQueriesContext(connection) as queries:
        operation()
    return len(queries.captured_queries)


def per_size(measure) -> list[int]:
    return [measure(busy_day(size)) for size in SIZES]


def seated_token(day, status=Status.ALLOCATED) -> Token:
    return Token.objects.filter(day=day, status=status).order_by("-seq").first()


def test_issuing_a_token_costs_the_same_on_a_full_day():
    def measure(day) -> int:
        patient = PatientFactory()
        return count(lambda: token_issue(day=day, patient=patient, source="walk_in", now=moment(8)))

    counts = per_size(measure)
    assert counts == [BOOKING_STATEMENTS, BOOKING_STATEMENTS]


def test_an_emergency_that_displaces_costs_the_same_on_a_full_day():
    def measure(day) -> int:
        patient, last_slot = PatientFactory(), day.slots.order_by("start").last()
        n = count(
            lambda: token_issue(
                day=day, patient=patient, source="emergency", slot=last_slot, now=moment(8)
            )
        )
        assert day.tokens.filter(status=Status.WAITLISTED, displaced_count=1).exists()
        return n

    counts = per_size(measure)
    assert counts == [BOOKING_STATEMENTS, BOOKING_STATEMENTS]  # the board read carries the issuer


def test_a_cancellation_that_promotes_costs_the_same_on_a_full_day():
    def measure(day) -> int:
        token = seated_token(day)
        n = count(lambda: token_cancel(token=token, now=moment(8)))
        assert day.tokens.filter(events__kind="promoted").exists()
        return n

    counts = per_size(measure)
    assert counts[0] == counts[1] <= ENGINE_BUDGET


def test_a_no_show_that_promotes_costs_the_same_on_a_full_day():
    def measure(day) -> int:
        token = seated_token(day, Status.CHECKED_IN)
        n = count(lambda: token_mark_no_show(token=token, now=moment(8)))
        assert day.tokens.filter(events__kind="promoted").exists()
        return n

    counts = per_size(measure)
    assert counts[0] == counts[1] <= ENGINE_BUDGET


def test_the_desk_page_costs_the_same_on_a_full_day(client, reception_user):
    client.force_login(reception_user)

    def measure(day) -> int:
        url = f"/desk/?doctor={day.doctor_id}&date={DATE}"
        n = count(lambda: client.get(url))
        response = client.get(url)
        assert response.status_code == 200
        assert day.tokens.order_by("-seq").first().number in response.content.decode()
        return n

    counts = per_size(measure)
    assert counts[0] == counts[1] <= PAGE_BUDGET


def test_an_unchanged_desks_poll_costs_three_queries_on_a_full_day(client, reception_user):
    # Its session, its user with their roles (as signed in through the form), the days'
    # version: nothing of the day is read (docs/pages.md, "Live refresh").
    client.force_login(reception_user, backend="tokens.auth_backends.RolesBackend")

    def measure(day) -> int:
        url = f"/desk/?doctor={day.doctor_id}&date={DATE}"
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "desk-pulse"}
        etag = client.get(url, **headers)["ETag"]
        poll = lambda: client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)  # noqa: E731
        assert poll().status_code == 304
        return count(poll)

    assert per_size(measure) == [SCREEN_POLL, SCREEN_POLL]


def test_a_changed_desks_poll_renders_its_four_regions_within_the_pages_budget(
    client, reception_user, settings
):
    # The pulse's answer to a change carries the four regions (out of band): one
    # render of them, rendered fresh here (no shared copy), costs what the page costs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.force_login(reception_user, backend="tokens.auth_backends.RolesBackend")

    def measure(day) -> int:
        url = f"/desk/?doctor={day.doctor_id}&date={DATE}"
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "desk-pulse"}
        poll = lambda: client.get(url, HTTP_IF_NONE_MATCH='"stale"', **headers)  # noqa: E731
        response = poll()
        assert response.status_code == 200
        assert day.tokens.order_by("-seq").first().number in response.content.decode()
        return count(poll)

    counts = per_size(measure)
    assert counts[0] == counts[1] <= PAGE_BUDGET


def test_the_slot_list_api_costs_the_same_on_a_full_day(client, reception_user):
    client.force_login(reception_user)

    def measure(day) -> int:
        url = f"/api/v1/slots/?doctor={day.doctor_id}&date={DATE}"
        n = count(lambda: client.get(url))
        response = client.get(url)
        assert response.status_code == 200
        assert sum(s["occupied"] for s in response.json()["results"]) > 0
        return n

    counts = per_size(measure)
    assert counts[0] == counts[1]


def test_booking_through_the_api_costs_the_same_on_a_full_day(client, portal_user):
    from rest_framework.authtoken.models import Token as ApiKey

    key = ApiKey.objects.create(user=portal_user).key
    phones = iter(range(10**6))

    def measure(day) -> int:
        body = {"doctor": day.doctor_id, "date": str(DATE), "source": "online",
                "patient": {"name": "Asha Rao", "phone": f"+9190{next(phones):08d}"}}  # fmt: skip
        post = lambda: client.post(  # noqa: E731
            "/api/v1/tokens/", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = post()
        assert response.status_code == 201, response.content
        assert response.json()["position"] is not None  # counted by the write itself
        return len(queries.captured_queries)

    counts = per_size(measure)
    assert counts == [API_BOOKING_STATEMENTS, API_BOOKING_STATEMENTS]
