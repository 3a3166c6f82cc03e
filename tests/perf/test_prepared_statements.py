"""The booking's statements are prepared once per connection (opd_project.postgresql;
README, "Performance"): the next booking on the same connection executes them
without PostgreSQL parsing or planning them again, and ``OPD_DB_PREPARE=off``
(a pooler that cannot keep prepared statements) prepares nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token as ApiKey

from tests.factories import make_day

pytestmark = pytest.mark.django_db

DATE = timezone.localdate() + dt.timedelta(days=1)


def prepared() -> dict[str, int]:
    """This session's prepared statements: their text → times run with a generic or
    custom plan (PostgreSQL 15's pg_prepared_statements)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.fixture
def book(client, portal_user):
    key = ApiKey.objects.create(user=portal_user).key
    day = make_day(5, 5, date=DATE)
    phones = iter(range(10**6))

    def book() -> list[str]:
        body = {"doctor": day.doctor_id, "date": str(DATE), "source": "online",
                "patient": {"name": "Asha Rao", "phone": f"+9190{next(phones):08d}"}}  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/tokens/", body, content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {key}",
            )  # fmt: skip
        assert response.status_code == 201, response.content
        return [q["sql"] for q in queries.captured_queries]

    return book


def test_a_booking_runs_its_statements_prepared(book):
    book()
    first = prepared()
    sent = book()
    again = prepared()
    assert set(again) == set(first)  # nothing new to prepare: the same statements
    ran = {text for text in again if again[text] > first[text]}
    kinds = sorted(text.split(None, 1)[0].upper() for text in ran)
    # The API key, the lock, the read, the write (with the delivery task's row).
    assert kinds == ["SELECT", "SELECT", "UPDATE", "WITH"], ran
    # The query log still shows each statement with its values (what tests read).
    assert any("UPDATE scheduling_doctorday" in sql for sql in sent)
    assert all(sql for sql in sent)


def test_nothing_is_prepared_when_it_is_turned_off(book, settings):
    settings.OPD_DB_PREPARE = False
    book()
    book()
    assert prepared() == {}
