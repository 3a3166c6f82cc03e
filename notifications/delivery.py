"""Delivering one notification: claim it, send it, mark the outcome.

1. **Claim** (a short transaction of its own): the row, if it is due — ``pending``
   or ``failed`` with ``next_attempt_at`` passed, or ``sending`` whose lease ran out
   (its worker died) — is locked (``SELECT … FOR UPDATE SKIP LOCKED``: two workers
   never claim one row), becomes ``sending`` with ``attempts + 1``, and its
   ``next_attempt_at`` becomes the end of the lease (now + ``OPD_NOTIFY_SENDING_TIMEOUT``).
   A row that is not due (sent, dead, being sent, or retried later) is left alone:
   a message already ``sent`` is never sent again.
2. **Send**, outside any transaction, no lock held: render, then the SMS backend or
   the portal's webhook, with ``<delivery_id>:<attempt>`` as the idempotency key.
3. **Mark** (a second short transaction), only if the row is still this attempt's:
   ``sent``; or ``failed`` with the next attempt 30 s × 2^(attempt−1) later (at most
   30 min) and a deferred task for it; or ``dead`` after ``OPD_NOTIFY_MAX_ATTEMPTS``
   attempts, or at once when no attempt can succeed (``PermanentError``).

A worker killed between 1 and 3 leaves the row ``sending``; once the lease runs out
the sweep (``send_pending_notifications``) enqueues it again and it is sent as a
new attempt, with a new idempotency key. At-least-once across attempts, at most
once per attempt key.

This module enqueues nothing itself (``retry`` is handed in by ``notifications.tasks``).
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.channels import (
    DeliveryError,
    PermanentError,
    send_webhook,
    sms_backend,
)
from notifications.messages import load, render_sms, webhook_payload
from notifications.models import WebhookEndpoint
from tokens.models import NOTICE_DUE, Channel, NoticeStatus, Notification
from tokens.selectors import token_placement

logger = logging.getLogger("opd.notify")

RETRY_BASE = dt.timedelta(seconds=30)
RETRY_CAP = dt.timedelta(minutes=30)

# What ``deliver`` returns (and the task stores as its result).
SENT, FAILED, DEAD = "sent", "failed", "dead"
SKIPPED = "skipped"  # not due: already sent, dead, being sent, or to be retried later
SUPERSEDED = "superseded"  # the lease ran out mid-send and another attempt took the row


def backoff(attempt: int) -> dt.timedelta:
    """The wait after failed attempt ``attempt`` (1, 2, …): 30 s, 1, 2, 4, 8 min, … 30 min."""
    return min(RETRY_BASE * 2 ** max(attempt - 1, 0), RETRY_CAP)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OPD_NOTIFY_SENDING_TIMEOUT)


def claim(notification_id: int, *, now: dt.datetime) -> int | None:
    """Make the notification ``sending`` if it is due; its attempt number, or None."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status__in=NOTICE_DUE, next_attempt_at__lte=now)
            .only("pk", "attempts")
            .first()
        )
        if row is None:
            return None
        attempt = row.attempts + 1
        Notification.objects.filter(pk=notification_id).update(
            status=NoticeStatus.SENDING, attempts=attempt, next_attempt_at=now + lease()
        )
    return attempt


def deliver(
    notification_id: int,
    *,
    now: dt.datetime | None = None,
    retry: Callable[[int, dt.datetime], None] | None = None,
) -> str:
    """Claim, send and mark one notification (see the module's docstring).

    ``now`` fixes the clock (tests); ``retry(notification_id, at)`` is called, in the
    transaction that marks a failed attempt, to schedule the next one. Never raises
    for a failed send: a gateway's error is the attempt's outcome, not the caller's."""

    def clock() -> dt.datetime:
        return now or timezone.now()

    attempt = claim(notification_id, now=clock())
    if attempt is None:
        logger.debug("notification not due", extra={"notification": notification_id})
        return SKIPPED
    notification = None
    error, permanent = "", False
    try:
        notification = load(notification_id)
        send(notification, attempt=attempt, now=clock())
    except PermanentError as exc:
        error, permanent = str(exc), True
    except DeliveryError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or a broken row: retried like a failed send, and logged
        logger.exception(
            "notification could not be sent",
            extra={"notification": notification_id, "attempt": attempt},
        )
        error = f"{type(exc).__name__}: {exc}"
    return _finish(
        notification_id,
        notification,
        attempt,
        error=error,
        permanent=permanent,
        now=clock(),
        retry=retry,
    )


def send(notification: Notification, *, attempt: int, now: dt.datetime) -> None:
    """Render and hand over one message; raise ``DeliveryError`` if it was not taken."""
    token = notification.token
    key = f"{notification.delivery_id}:{attempt}"
    if notification.channel == Channel.SMS:
        phone = token.patient.phone
        if not phone:
            raise PermanentError("The patient has no phone number.")
        placement = token_placement(token, now=now)
        text = render_sms(notification, now=now, placement=placement)
        sms_backend().send(to=phone, text=text, idempotency_key=key)
    elif notification.channel == Channel.WEBHOOK:
        # The client that issued the token, and no other, ever receives it.
        endpoint = (
            WebhookEndpoint.objects.filter(client_id=token.created_by_id, active=True).first()
            if token.created_by_id is not None
            else None
        )
        if endpoint is None:
            raise PermanentError(
                "The portal client that issued this token has no active webhook endpoint."
            )
        placement = token_placement(token, now=now)
        payload = webhook_payload(notification, attempt=attempt, now=now, placement=placement)
        send_webhook(url=endpoint.url, secret=endpoint.secret, payload=payload, idempotency_key=key)
    else:
        raise PermanentError(f"Unknown channel {notification.channel!r}.")


def _finish(
    notification_id: int,
    notification: Notification | None,
    attempt: int,
    *,
    error: str,
    permanent: bool,
    now: dt.datetime,
    retry: Callable[[int, dt.datetime], None] | None,
) -> str:
    error = error[:500]
    next_at = None
    if not error:
        outcome = SENT
        values = {"status": NoticeStatus.SENT, "sent_at": now, "last_error": ""}
    elif permanent or attempt >= settings.OPD_NOTIFY_MAX_ATTEMPTS:
        outcome = DEAD
        values = {"status": NoticeStatus.DEAD, "last_error": error}
    else:
        outcome = FAILED
        next_at = now + backoff(attempt)
        values = {"status": NoticeStatus.FAILED, "last_error": error, "next_attempt_at": next_at}
    with transaction.atomic():
        # Only this attempt's row: after a lease ran out another attempt may own it.
        mine = Notification.objects.filter(
            pk=notification_id, status=NoticeStatus.SENDING, attempts=attempt
        ).update(**values)
        if mine and next_at is not None and retry is not None:
            retry(notification_id, next_at)
    fields = {
        "notification": notification_id,
        "attempt": attempt,
        "status": outcome if mine else SUPERSEDED,
    }
    if notification is not None:
        fields.update(
            delivery_id=str(notification.delivery_id),
            kind=notification.kind,
            channel=notification.channel,
            token=notification.token.number,
            token_id=str(notification.token_id),
        )
    if not mine:
        logger.warning("notification attempt superseded", extra=fields)
        return SUPERSEDED
    if outcome == SENT:
        logger.info("notification sent", extra=fields)
    else:
        fields["error"] = error
        if next_at is not None:
            fields["next_attempt_at"] = next_at.isoformat()
        logger.warning(f"notification {outcome}", extra=fields)
    return outcome
