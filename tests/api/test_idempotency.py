"""Idempotency-Key on POST /tokens/: a retry never issues a second token."""

import threading

import pytest
from django.db import connection

from tests.api.conftest import booking, client_for, issue_as
from tokens.models import IdempotencyRecord, Token

URL = "/api/v1/tokens/"


def _book(client, body, key: str):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_it_replays_the_first_response_for_the_same_key(portal, slot):
    body = booking(slot)
    first = _book(portal, body, "order-1")
    again = _book(portal, body, "order-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Token.objects.count() == 1


def test_it_issues_again_for_a_new_key(portal, day, slot):
    _book(portal, booking(slot), "order-1")
    assert _book(portal, booking(slot), "order-2").status_code == 201
    assert Token.objects.count() == 2


def test_it_keeps_keys_apart_per_client(portal, other_portal, slot):
    _book(portal, booking(slot), "order-1")
    r = _book(other_portal, booking(slot), "order-1")
    assert r.status_code == 201 and Token.objects.count() == 2


def test_it_replays_a_refusal_too(portal, slot):
    issue_as(None, slot)
    issue_as(None, slot)
    body = {**booking(slot), "strict": True}
    first = _book(portal, body, "order-1")
    again = _book(portal, body, "order-1")
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json() and again.json()["code"] == "slot_full"


def test_it_refuses_a_key_reused_for_another_request(portal, slot):
    _book(portal, booking(slot), "order-1")
    r = _book(portal, booking(slot), "order-1")
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    assert Token.objects.count() == 1


def test_it_does_not_store_a_validation_error(portal, slot):
    body = booking(slot)
    assert _book(portal, {**body, "source": "vip"}, "order-1").status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    assert _book(portal, body, "order-1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "with space"])
def test_it_rejects_a_malformed_key(portal, slot, key):
    r = _book(portal, booking(slot), key)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["fields"]
    assert Token.objects.count() == 0


# Real threads, each with its own database connection: a plain test transaction
# would hide the first request's rows from the others and serialize nothing.
@pytest.mark.django_db(transaction=True)
def test_it_issues_one_token_for_twenty_concurrent_identical_requests(portal_client, slot):
    body = booking(slot)
    barrier = threading.Barrier(20)
    responses = []

    def send() -> None:
        try:
            client = client_for(portal_client)
            barrier.wait()
            r = _book(client, body, "same-key")
            responses.append((r.status_code, r.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Token.objects.count() == 1
    assert len(responses) == 20
    assert {(status, body["id"]) for status, body in responses} == {
        (201, str(Token.objects.get().id))
    }
