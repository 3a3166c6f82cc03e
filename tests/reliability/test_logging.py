"""Structured logs: one JSON line per token event and per API error, each with
the request id the client got back, and never a patient's phone."""

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction

from opd_project.log import JsonFormatter, TextFormatter
from tests.api.conftest import booking, client_for
from tests.factories import PatientFactory, issue, make_day, slots_of

URL = "/api/v1/tokens/"


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """What the configured console handler writes, as parsed JSON lines."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream, formatter = io.StringIO(), handler.formatter
    old_stream = handler.setStream(stream)
    handler.setFormatter(JsonFormatter())  # whatever OPD_LOG_FORMAT this run has
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(formatter)


@pytest.fixture
def reception(reception_user):
    return client_for(reception_user)


@pytest.fixture
def portal(portal_user):
    return client_for(portal_user)


def lines_of(lines: list[dict], logger: str) -> list[dict]:
    return [line for line in lines if line["logger"] == logger]


def test_issuing_a_token_logs_each_event_with_the_request_id(
    reception, day, log_lines, django_capture_on_commit_callbacks
):
    slot = slots_of(day)[0]
    issue(day, slot=slot)
    issue(day, slot=slot)  # the slot is full: the emergency displaces the later one
    body = booking(slot, "emergency", name="Ravi Kumar", phone="+919876501234")
    with django_capture_on_commit_callbacks(execute=True):
        r = reception.post(URL, body, format="json")
    assert r.status_code == 201
    events = lines_of(log_lines(), "opd.tokens")
    assert [(e["message"], e["event"]) for e in events] == [
        ("token issued", "issued"),
        ("token displaced", "displaced"),
    ]
    assert {e["request_id"] for e in events} == {r["X-Request-ID"]}
    assert events[0]["token"] == r.json()["number"] and events[0]["token_id"] == r.json()["id"]
    assert events[1]["caused_by"] == r.json()["number"] and events[1]["from_slot"] == slot.pk


def test_token_event_lines_never_hold_the_patients_name_or_phone(
    on_the_day, reception, day, log_lines, django_capture_on_commit_callbacks
):
    body = booking(slots_of(day)[0], name="Ravi Kumar", phone="+919876501234")
    with django_capture_on_commit_callbacks(execute=True):
        token_id = reception.post(URL, body, format="json").json()["id"]
        reception.post(f"{URL}{token_id}/check-in/", format="json")
    text = json.dumps(lines_of(log_lines(), "opd.tokens"))
    assert text.count('"event"') == 2
    assert "Ravi" not in text and "9876501234" not in text


def test_a_rolled_back_change_is_never_logged(day, log_lines, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        issue(day)
        raise RuntimeError("the caller gave up")
    assert lines_of(log_lines(), "opd.tokens") == []


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "order-1"}])
def test_a_refused_booking_logs_one_api_warning_and_no_token_event(
    portal, day, log_lines, django_capture_on_commit_callbacks, headers
):
    person = PatientFactory.build()
    body = booking(slots_of(day)[0], name=person.name, phone=person.phone)
    portal.post(URL, body, format="json")  # the patient's first booking
    log_lines_before = len(log_lines())
    with django_capture_on_commit_callbacks(execute=True):
        r = portal.post(URL, body, format="json", **headers)
    assert r.status_code == 409
    lines = log_lines()[log_lines_before:]
    assert [(line["logger"], line["level"]) for line in lines] == [("opd.api", "WARNING")]
    assert {k: lines[0][k] for k in ("status", "code", "method", "path", "request_id")} == {
        "status": 409,
        "code": "duplicate_token",
        "method": "POST",
        "path": URL,
        "request_id": r["X-Request-ID"],
    }


def test_a_server_error_line_carries_the_request_id(client, db, log_lines, monkeypatch):
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("tokens.api.health._ping_database", broken)
    client.raise_request_exception = False
    r = client.get("/healthz")
    [line] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert line["logger"] == "django.request" and line["status"] == 500
    assert line["request_id"] == r["X-Request-ID"] and "RuntimeError: a bug" in line["exc"]


def test_a_line_is_one_json_object_without_phone_numbers(log_lines):
    logging.getLogger("opd.test").warning(
        "calling %s", "+919812345678", extra={"phone": "9812345678", "count": 3}
    )
    [line] = lines_of(log_lines(), "opd.test")
    assert line["message"] == "calling +91******5678" and line["phone"] == "******5678"
    assert line["count"] == 3 and line["request_id"] == "-"
    assert set(line) >= {"ts", "level", "logger", "message", "request_id"}


def test_a_traceback_is_masked_too(log_lines):
    try:
        raise ValueError("duplicate phone +919812345678")
    except ValueError:
        logging.getLogger("opd.test").exception("failed")
    [line] = lines_of(log_lines(), "opd.test")
    assert "9812345678" not in line["exc"] and "+91******5678" in line["exc"]


def test_ids_and_dates_are_not_mistaken_for_phones(log_lines):
    text = "token 12345678-1234-1234-1234-123456789012 on 2030-01-07 at 09:40, id 123456"
    logging.getLogger("opd.test").info(text)
    [line] = lines_of(log_lines(), "opd.test")
    assert line["message"] == text


def test_the_text_format_shows_the_request_id_and_fields():
    record = logging.LogRecord("opd.tokens", logging.INFO, "", 0, "token issued", (), None)
    record.request_id, record.token = "abc123", "SHA-014"
    assert re.search(r" INFO opd\.tokens \[abc123\] token issued token=SHA-014$",
                     TextFormatter().format(record))  # fmt: skip


def test_it_echoes_a_well_formed_request_id(client, db):
    r = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.2_x")
    assert r["X-Request-ID"] == "lb-7f3a.2_x"


@pytest.mark.parametrize("given", ["two words", "x" * 65, "", "a\u00e9b"])
def test_it_replaces_a_malformed_request_id(client, db, given):
    r = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", r["X-Request-ID"])


@pytest.mark.django_db(transaction=True)  # gunicorn reads committed rows only
def test_a_real_server_logs_json_lines_and_access_lines_without_the_query(server, portal_key):
    body = booking(slots_of(make_day(2))[0], phone="+919812345678")
    headers = {"Authorization": f"Token {portal_key}", "X-Request-ID": "portal-42"}
    assert server.call("POST", URL, body=body, headers=headers).status == 201
    assert server.call("GET", "/healthz?q=%2B919812345678").status == 200
    deadline = time.monotonic() + 10
    while '"GET /healthz" 200' not in (log := server.log.read_text()):
        assert time.monotonic() < deadline, log  # lines reach the file just after the answer
        time.sleep(0.1)
    app = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [(e["event"], e["request_id"]) for e in lines_of(app, "opd.tokens")] == [
        ("issued", "portal-42")
    ]
    assert '"POST /api/v1/tokens/" 201' in log and "request_id=portal-42" in log
    assert '"GET /healthz" 200' in log and "9812345678" not in log
