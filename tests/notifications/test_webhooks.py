"""Portal webhooks: signed JSON, verified with the documented recipe, to the client
that issued the token and to no other."""

import json
import re
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from notifications import delivery
from notifications.channels import sign
from notifications.delivery import DEAD, SENT
from notifications.models import WebhookEndpoint
from tests.conftest import at
from tests.factories import PatientFactory, issue, make_user, slots_of
from tests.notifications.conftest import Gateway, Outbox
from tokens.models import Channel, NoticeKind, NoticeStatus, Notification, Token
from tokens.services import slot_close, token_book

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-of-the-portal-0123456789"


def recipe(path: Path):
    """The ``verify_opd_webhook`` of the Python block in ``path`` that defines it."""
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.S)
    [block] = [b for b in blocks if "def verify_opd_webhook" in b]
    namespace: dict = {}
    exec(block, namespace)
    return namespace["verify_opd_webhook"]


RECIPES = [ROOT / "docs" / "notifications.md", ROOT / "README.md"]


@pytest.fixture
def endpoint(portal_user, gateway) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(client=portal_user, url=gateway.url, secret=SECRET)


def book(day, actor, source="online", **kwargs) -> list[Notification]:
    """A booking by ``actor``: the notices the engine recorded with it."""
    outbox = Outbox()
    person = PatientFactory.build()
    token_book(
        source=source,
        name=person.name,
        phone=person.phone,
        day_id=day.pk,
        actor=actor,
        now=at(8),
        **kwargs,
    )
    return outbox.new()


def issued_by(client) -> set[str]:
    return {str(pk) for pk in Token.objects.filter(created_by=client).values_list("pk", flat=True)}


def deliver_all(channel: str = Channel.WEBHOOK) -> list[str]:
    return [
        delivery.deliver(pk)
        for pk in Notification.objects.filter(channel=channel, status=NoticeStatus.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    ]


@pytest.mark.parametrize("doc", RECIPES, ids=lambda p: p.name)
def test_a_delivery_verifies_with_the_documented_recipe(day, portal_user, endpoint, gateway, doc):
    notices = book(day, portal_user)
    assert [n.channel for n in notices] == [Channel.SMS, Channel.WEBHOOK]
    assert deliver_all() == [SENT]
    [received] = gateway.received
    event = recipe(doc)(SECRET, received.body, received.headers["X-OPD-Signature"])
    token = Token.objects.get()
    webhook = notices[1]
    assert event["event_id"] == str(webhook.delivery_id)
    assert event["type"] == NoticeKind.ISSUED and event["attempt"] == 1
    assert abs(event["timestamp"] - time.time()) < 60
    assert event["token"] == {
        "id": str(token.id),
        "number": token.number,
        "status": "allocated",
        "doctor": day.doctor_id,
        "date": day.date.isoformat(),
        "slot": token.slot_id,
        "position": 1,
        "estimated_time": "2030-01-07T09:00:00+05:30",
    }
    assert event["message"].startswith(f"OPD token {token.number}: ")
    assert event["change"]["to_slot"] == token.slot_id
    assert received.headers["X-OPD-Timestamp"] == str(event["timestamp"])
    assert received.headers["X-OPD-Event-Id"] == event["event_id"]
    assert received.headers["Idempotency-Key"] == f"{webhook.delivery_id}:1"
    assert received.headers["Content-Type"] == "application/json"
    # No patient's name or phone in a portal's webhook.
    assert token.patient.name not in received.body.decode()
    assert token.patient.phone[3:] not in received.body.decode()


@pytest.mark.parametrize("doc", RECIPES, ids=lambda p: p.name)
def test_the_recipe_refuses_a_forged_or_replayed_delivery(doc):
    verify = recipe(doc)
    body = json.dumps({"event_id": "e1", "timestamp": int(time.time())}).encode()
    assert verify(SECRET, body, sign(SECRET, body))["event_id"] == "e1"
    with pytest.raises(ValueError, match="bad signature"):
        verify(SECRET, body.replace(b"e1", b"e2"), sign(SECRET, body))
    with pytest.raises(ValueError, match="bad signature"):
        verify("another-secret", body, sign(SECRET, body))
    old = json.dumps({"event_id": "e1", "timestamp": int(time.time()) - 3600}).encode()
    with pytest.raises(ValueError, match="too old"):
        verify(SECRET, old, sign(SECRET, old))


def test_a_portal_client_never_receives_another_clients_tokens(day, portal_user):
    other = make_user("other-portal", "portal")
    ours, theirs = Gateway().start(), Gateway().start()
    try:
        WebhookEndpoint.objects.create(client=portal_user, url=ours.url, secret=SECRET)
        WebhookEndpoint.objects.create(client=other, url=theirs.url, secret=SECRET + "x")
        book(day, portal_user), book(day, other), book(day, portal_user)
        issue(day)  # the desk's: no webhook at all
        assert deliver_all() == [SENT, SENT, SENT]
        mine, yours = issued_by(portal_user), issued_by(other)
        assert {r.json()["token"]["id"] for r in ours.received} == mine and len(mine) == 2
        assert {r.json()["token"]["id"] for r in theirs.received} == yours and len(yours) == 1
    finally:
        ours.stop(), theirs.stop()


def test_a_displaced_portal_token_is_told_with_its_move(
    day, portal_user, reception_user, endpoint, gateway
):
    first = slots_of(day)[0]
    issue(day, slot=first)
    book(day, portal_user, slot_id=first.pk)
    victim = Token.objects.get(created_by=portal_user)
    Notification.objects.update(status=NoticeStatus.SENT, sent_at=at(8))
    notices = book(day, reception_user, source="paid", slot_id=first.pk)
    paid = Token.objects.get(created_by=reception_user)
    assert [(n.token_id, n.kind, n.channel) for n in notices] == [
        (paid.pk, NoticeKind.ISSUED, Channel.SMS),  # the desk's token: no webhook
        (victim.pk, NoticeKind.DISPLACED, Channel.SMS),
        (victim.pk, NoticeKind.DISPLACED, Channel.WEBHOOK),
    ]
    assert deliver_all() == [SENT]
    event = gateway.received[0].json()
    assert event["type"] == NoticeKind.DISPLACED
    assert event["token"]["id"] == str(victim.pk)
    assert event["change"]["from_slot"] == first.pk
    assert event["change"]["to_slot"] == slots_of(day)[1].pk == event["token"]["slot"]


def test_a_closed_slot_is_told_to_its_portal(day, portal_user, endpoint, gateway):
    first = slots_of(day)[0]
    book(day, portal_user, slot_id=first.pk)
    Notification.objects.update(status=NoticeStatus.SENT, sent_at=at(8))
    outbox = Outbox()
    slot_close(slot=first, now=at(8, 30), reason="Doctor called to theatre")
    assert [(n.kind, n.channel) for n in outbox.new()] == [
        (NoticeKind.SLOT_CLOSED, Channel.SMS),
        (NoticeKind.SLOT_CLOSED, Channel.WEBHOOK),
    ]
    assert deliver_all() == [SENT]
    event = gateway.received[0].json()
    assert event["type"] == NoticeKind.SLOT_CLOSED
    assert "moved to 10:00" in event["message"]


def test_a_client_without_an_active_endpoint_is_dead_at_once(day, portal_user, endpoint, gateway):
    endpoint.active = False
    endpoint.save()
    book(day, portal_user)
    assert deliver_all() == [DEAD]
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.attempts == 1
    assert row.last_error == (
        "The portal client that issued this token has no active webhook endpoint."
    )
    assert gateway.received == []


def test_a_failing_portal_is_retried(day, portal_user, endpoint, gateway):
    gateway.status = 500
    book(day, portal_user)
    assert deliver_all() == ["failed"]
    row = Notification.objects.get(channel=Channel.WEBHOOK)
    assert row.status == NoticeStatus.FAILED and row.last_error.startswith("HTTP 500")


def test_an_endpoint_is_for_portal_clients_only(reception_user, portal_user):
    endpoint = WebhookEndpoint(client=reception_user, url="https://portal.example/hook")
    with pytest.raises(ValidationError, match="Only a portal client"):
        endpoint.full_clean()
    WebhookEndpoint(client=portal_user, url="https://portal.example/hook").full_clean()
    assert len(WebhookEndpoint(client=portal_user).secret) >= 40
