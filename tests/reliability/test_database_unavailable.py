"""The database goes away mid-request: a 503 the client may retry, nothing half
saved, one log line, and the next request works again.

Transactional tests: the booking's own transaction must be the outermost one, as
in production, so losing the database rolls it back instead of poisoning a test
transaction around it.
"""

import contextlib
import logging
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client
from rest_framework.authtoken.models import Token as ApiToken

from tests.factories import make_day, make_user, slots_of
from tests.reliability.conftest import Server
from tokens.models import IdempotencyRecord, Patient, Token, TokenEvent

pytestmark = pytest.mark.django_db(transaction=True)

DETAIL = "The database is not reachable right now. Nothing was saved; try again in a few seconds."


@contextlib.contextmanager
def database_goes_away(when: Callable[[str], bool] = lambda sql: True) -> Iterator[None]:
    """From the first statement ``when`` picks, every statement fails as if the
    server had dropped the connection."""
    gone = False

    def execute(execute, sql, params, many, context):
        nonlocal gone
        gone = gone or when(sql)
        if gone:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


def inserting_the_token(sql: str) -> bool:
    # The ORM's INSERT, or the booking's one write statement (tokens/statements.py).
    return 'INSERT INTO "tokens_token"' in sql or "INSERT INTO tokens_token" in sql


@pytest.fixture
def portal() -> Client:
    key = ApiToken.objects.create(user=make_user("portal", "portal")).key
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def desk() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(make_user("reena", "reception"))
    return client


def booking(slot, phone: str = "+919812345678") -> dict:
    return {"slot": slot.pk, "source": "online", "patient": {"name": "Asha", "phone": phone}}


def saved() -> tuple[int, int, int, int]:
    return (
        Patient.objects.count(),
        Token.objects.count(),
        TokenEvent.objects.count(),
        IdempotencyRecord.objects.count(),
    )


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "order-1"}])
def test_a_booking_that_loses_the_database_gets_503_and_saves_nothing(portal, headers):
    slot = slots_of(make_day(2))[0]
    before = saved()
    with database_goes_away(when=inserting_the_token):
        r = portal.post("/api/v1/tokens/", booking(slot), "application/json", **headers)
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert r.json() == {"code": "database_unavailable", "detail": DETAIL}
    assert saved() == before


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "order-1"}])
def test_the_same_booking_succeeds_once_the_database_is_back(portal, headers):
    slot = slots_of(make_day(2))[0]
    with database_goes_away(when=inserting_the_token):
        portal.post("/api/v1/tokens/", booking(slot), "application/json", **headers)
    r = portal.post("/api/v1/tokens/", booking(slot), "application/json", **headers)
    assert r.status_code == 201 and Token.objects.get().number == r.json()["number"]


def test_a_desk_page_that_loses_the_database_gets_the_503_page(desk):
    make_day(2)
    with database_goes_away():
        r = desk.get("/desk/")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert DETAIL in r.content.decode() and "/static/css/opd.css" in r.content.decode()
    assert desk.get("/desk/").status_code == 200


def test_a_middleware_that_loses_the_database_gets_the_503_page():
    make_user("reena", "reception", password="pw")
    client = Client(raise_request_exception=False)
    # Signing in rotates the session key; SessionMiddleware saves it on the way out.
    with database_goes_away(when=lambda sql: sql.startswith('UPDATE "django_session"')):
        r = client.post("/login/", {"username": "reena", "password": "pw"})
    assert r.status_code == 503 and DETAIL in r.content.decode()
    assert client.get("/login/").status_code == 200


def test_it_logs_one_error_line_with_the_request_id(portal, caplog):
    slot = slots_of(make_day(2))[0]
    with database_goes_away(when=inserting_the_token), caplog.at_level(logging.INFO):
        r = portal.post("/api/v1/tokens/", booking(slot), "application/json")
    [line] = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert (line.name, line.getMessage(), line.code) == (
        "opd.db",
        "database unavailable",
        "database_unavailable",
    )
    assert line.request_id == r["X-Request-ID"] and line.path == "/api/v1/tokens/"


def test_a_bug_is_still_a_500_in_the_api_error_format(portal, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("tokens.services.token_book", broken)
    slot = slots_of(make_day(2))[0]
    r = portal.post("/api/v1/tokens/", booking(slot), "application/json")
    assert r.status_code == 500 and r.json()["code"] == "server_error"
    assert "Retry-After" not in r


def test_a_server_recovers_when_the_database_drops_its_connections(server: Server):
    slot = slots_of(make_day(5))[0]
    key = ApiToken.objects.create(user=make_user("portal", "portal")).key
    headers = {"Authorization": f"Token {key}"}
    assert server.call("POST", "/api/v1/tokens/", body=booking(slot), headers=headers).status == 201
    # What a database restart or failover does to the workers' kept connections.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for phone in ("+919800000001", "+919800000002", "+919800000003"):
        reply = server.call("POST", "/api/v1/tokens/", body=booking(slot, phone), headers=headers)
        assert reply.status == 201, (reply.body, server.log_tail())
