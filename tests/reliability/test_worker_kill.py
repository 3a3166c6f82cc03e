"""A gunicorn worker killed mid-booking, and a client that never read its answer.

Clients that lose a request retry it with the same Idempotency-Key; whatever the
kill interrupted, each booking ends with exactly one token, every answer a client
received is what the database holds, and the master replaces the worker.
"""

import http.client
import json
import os
import signal
import socket
import threading
import time
import uuid

import pytest
from django.db.models import Count

from scheduling.models import DoctorDay
from tests.factories import make_day
from tests.reliability.conftest import Reply, Server
from tokens.invariants import check_day
from tokens.models import Token

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn reads committed rows only

DOCTORS = 5
CLIENTS = 4
BOOKINGS_PER_CLIENT = 25
KILL_AFTER = 30  # answered bookings before one worker is killed
RETRIES = 8


@pytest.fixture
def days() -> list[DoctorDay]:
    # 5 doctors x 5 slots x 4 seats: room for every booking, in the future.
    return [make_day(4, 4, 4, 4, 4) for _ in range(DOCTORS)]


def booking(day: DoctorDay, phone: str) -> dict:
    return {
        "doctor": day.doctor_id,
        "date": day.date.isoformat(),
        "source": "online",
        "patient": {"name": "Kill Test", "phone": phone},
    }


def book_with_retries(server: Server, key: str, body: dict, auth: str) -> Reply:
    """What a careful portal does: on a dropped connection, a timeout or a 5xx, send
    the same request with the same Idempotency-Key again (a bounded number of times)."""
    headers = {"Authorization": auth, "Idempotency-Key": key}
    for _ in range(RETRIES):
        try:
            reply = server.call("POST", "/api/v1/tokens/", body=body, headers=headers, timeout=15)
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)  # reset, refused or timed out: the worker died under us
            continue
        if reply.status < 500:
            return reply
        time.sleep(0.2)
    raise AssertionError(f"booking {key} failed {RETRIES} times\n{server.log_tail()}")


def test_killing_a_worker_mid_load_loses_and_duplicates_nothing(server, portal_key, days):
    auth = f"Token {portal_key}"
    received: list[Reply] = []
    failures: list[BaseException] = []
    answered = threading.Semaphore(0)

    def client(n: int) -> None:
        try:
            for i in range(BOOKINGS_PER_CLIENT):
                day = days[(n * BOOKINGS_PER_CLIENT + i) % DOCTORS]
                phone = f"+9170{n:02d}{i:06d}"
                received.append(book_with_retries(server, f"c{n}-b{i}", booking(day, phone), auth))
                answered.release()
        except BaseException as exc:  # handed to the main thread, which reports it
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert answered.acquire(timeout=30), f"the load stalled\n{server.log_tail()}"
    victim = sorted(server.workers())[0]
    os.kill(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads) and not failures, failures

    # Every answer a client got is what the database holds.
    assert len(received) == CLIENTS * BOOKINGS_PER_CLIENT
    assert {reply.status for reply in received} == {201}
    numbers = dict(Token.objects.values_list("id", "number"))
    for reply in received:
        assert numbers[uuid.UUID(reply.body["id"])] == reply.body["number"]
    # One token per booking: per Idempotency-Key, i.e. per patient and day.
    assert Token.objects.count() == CLIENTS * BOOKINGS_PER_CLIENT
    assert not Token.objects.values("patient", "day").annotate(n=Count("id")).filter(n__gt=1)
    # The master replaced the worker, and the new one books.
    server.wait_for_workers(2, not_in={victim})
    after = book_with_retries(server, "after-kill", booking(days[0], "+917099999999"), auth)
    assert after.status == 201
    assert all(check_day(day) == [] for day in days)


def test_a_client_that_timed_out_gets_its_token_on_retry_not_a_second_one(server, portal_key, days):
    phone = "+917712345678"
    body = booking(days[0], phone)
    raw = (
        "POST /api/v1/tokens/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Token {portal_key}\r\nIdempotency-Key: lost-answer-1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(json.dumps(body))}\r\n"
        "Connection: close\r\n\r\n" + json.dumps(body)
    )
    # The whole request goes out; the client gives up before reading a byte.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(raw.encode())
    _wait_for_token(phone)

    again = server.call(
        "POST",
        "/api/v1/tokens/",
        body=body,
        headers={"Authorization": f"Token {portal_key}", "Idempotency-Key": "lost-answer-1"},
    )
    assert Token.objects.filter(patient__phone=phone).count() == 1
    token = Token.objects.get(patient__phone=phone)
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.body["id"] == str(token.id) and again.body["number"] == token.number


def _wait_for_token(phone: str) -> None:
    # The server finishes the booking whether or not anyone reads the answer.
    deadline = time.monotonic() + 15
    while not Token.objects.filter(patient__phone=phone).exists():
        assert time.monotonic() < deadline, "the abandoned request never booked"
        time.sleep(0.1)
