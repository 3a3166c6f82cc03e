"""The outbox: which messages a change owes, recorded in the change's own transaction.

Part of the tokens service layer (docs/notifications.md). The engine
(``tokens.services``) records a change's notices itself, inside the transaction
that changes the tokens and after their events are saved:

    notices.record(notices.notices_for_events([event], actor=actor))  # _record
    notices.record(owed, written=True, task_row=row)  # a booking: see _store_issue
    notices.record(notices.notices_for_delay(day, minutes, waiting, previous=previous))

``record`` stores the notifications and sends ``recorded``, still inside that
transaction. The notifications app, above this one, listens and enqueues one
delivery task for the notifications of that ``record`` call (Django's Tasks API on
the database backend: the task is a row written in the same transaction). A
booking's one statement writes that row itself: ``delivery_row`` asks the app for
it (signal ``delivering``) before the statement, and ``recorded`` says so. So a
rolled-back change leaves no notification and no task, and a committed
notification always has its task — or, should its task be lost (a worker killed
mid-send), ``manage.py send_pending_notifications`` finds it still due and
enqueues it again. Nothing here talks to a gateway: a slow or failing gateway can
never delay or undo a booking.

Who is told what:

- the patient, by SMS, of every change that affects their visit (``EVENT_NOTICES``);
- the portal client that issued the token (``roles.is_portal_client`` of its
  ``created_by``), by webhook, of the same changes — that client only, ever.

Events that tell the patient nothing new are ``SILENT``: ``checked_in`` and
``completed`` happen with the patient at the desk or with the doctor, and
``cancelled`` is asked for by the patient (portal, phone or desk) or done by staff
in front of them; a cancellation with the doctor's day is ``day_cancelled``, which
is told. A staff reallocation (``reallocated``) changes the patient's time, so it is
told as ``moved``; a slot's closure moving its tokens (event ``moved``) as
``slot_closed``.

Language: ``settings.OPD_NOTIFY_LANGUAGE`` for every message (a department's own
default may come later; the message templates are gettext-ready).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, router
from django.dispatch import Signal

from scheduling.models import DoctorDay
from tokens import roles
from tokens.models import (
    Channel,
    EventKind,
    NoticeKind,
    Notification,
    Status,
    Token,
    TokenEvent,
)

# Event kind → the notice the token's patient (and its portal client) is owed.
EVENT_NOTICES: dict[str, str] = {
    EventKind.ISSUED: NoticeKind.ISSUED,
    EventKind.DISPLACED: NoticeKind.DISPLACED,
    EventKind.REALLOCATED: NoticeKind.MOVED,
    EventKind.MOVED: NoticeKind.SLOT_CLOSED,
    EventKind.PROMOTED: NoticeKind.PROMOTED,
    EventKind.DAY_CANCELLED: NoticeKind.DAY_CANCELLED,
    EventKind.CALLED: NoticeKind.CALLED,
    EventKind.NO_SHOW: NoticeKind.NO_SHOW,
    EventKind.EXPIRED: NoticeKind.EXPIRED,
}
# Events that owe nothing (see the module's docstring).
SILENT = (EventKind.CHECKED_IN, EventKind.COMPLETED, EventKind.CANCELLED)

# Tokens a delay is told to: those still waiting for their turn with a seat.
DELAY_TOLD = (Status.ALLOCATED, Status.CHECKED_IN)

# Sent by ``record`` with ``notifications`` (saved, with their pks), inside the
# caller's transaction, and ``task_row``: the row ``delivery_row`` gave, which the
# caller's statement wrote with them, or None. The notifications app enqueues their
# delivery on it — one task — unless that row already did.
recorded = Signal()
# Sent by ``delivery_row`` with ``notifications`` (not saved yet, ``delivery_id`` set),
# before the statement that writes them. The notifications app answers with the row
# of their delivery task, ``(model, values)``, for that statement to write too.
delivering = Signal()


def notices_for_events(events: Iterable[TokenEvent], *, actor=None) -> list[Notification]:
    """The notifications ``events`` owe, not saved yet (``record`` saves them).

    One SMS per patient-affecting event, plus a webhook when the token was issued
    by a portal client. Each notification holds its event object, so the events
    may still be unsaved: the notification takes the event's id when it is saved
    after it (``record``), or is written in the same statement (the booking's
    ``statements.write_issue``). Queries: none when every token is at hand
    (``event.token`` cached, with its ``created_by_id``) and was issued by the
    system or by ``actor`` (the user making the change, whose roles a request has
    already read); else at most two: one that reads the issuers of tokens not at
    hand (a displaced token) together with their roles, one for the roles of the
    other issuers."""
    owed = [(event, EVENT_NOTICES[event.kind]) for event in events if event.kind in EVENT_NOTICES]
    if not owed:
        return []
    portal_tokens = _portal_issued({event.token_id: _issuer(event) for event, _ in owed}, actor)
    language = settings.OPD_NOTIFY_LANGUAGE
    notices = []
    for event, kind in owed:
        channels = [Channel.SMS]
        if event.token_id in portal_tokens:
            channels.append(Channel.WEBHOOK)
        notices += [
            Notification(
                token_id=event.token_id,
                event=event,
                kind=kind,
                channel=channel,
                language=language,
            )
            for channel in channels
        ]
    return notices


def notices_for_delay(
    day: DoctorDay, minutes: int, tokens: Iterable[Token], *, previous: int = 0
) -> list[Notification]:
    """The notifications a delay of ``minutes`` on ``day`` owes ``tokens`` (not saved).

    Owed when the delay is at least ``settings.OPD_DELAY_NOTICE_MINUTES`` and grew
    by at least that much since ``previous`` (the day's delay before the change),
    so a doctor who goes from 20 to 25 minutes late does not text the hall again,
    and a shrinking delay texts nobody. Only the day's allocated and checked-in
    tokens are told (a waitlisted token has no time to shift)."""
    threshold = settings.OPD_DELAY_NOTICE_MINUTES
    if minutes < threshold or minutes - previous < threshold:
        return []
    told = [t for t in tokens if t.day_id == day.pk and t.status in DELAY_TOLD]
    if not told:
        return []
    portal_tokens = _portal_issued({token.pk: _token_issuer(token) for token in told})
    language = settings.OPD_NOTIFY_LANGUAGE
    notices = []
    for token in told:
        channels = [Channel.SMS]
        if token.pk in portal_tokens:
            channels.append(Channel.WEBHOOK)
        notices += [
            Notification(
                token_id=token.pk,
                event=None,
                kind=NoticeKind.DELAYED,
                channel=channel,
                language=language,
                data={"delay_minutes": minutes},
            )
            for channel in channels
        ]
    return notices


def delivery_row(notifications: list[Notification]) -> tuple[type, dict] | None:
    """The row that enqueues the delivery of ``notifications`` — ``(model, values)``,
    the notifications app's task (``notifications.tasks.deliver_change``) — for the
    statement that writes them to write it too (a booking on PostgreSQL:
    ``statements.write_issue``); then ``record(…, written=True, task_row=row)``.
    None for no notification, or when no task queue answers, or when its table lives
    in another database than the engine's (then ``record`` enqueues)."""
    if not notifications:
        return None
    for _receiver, row in delivering.send(sender=Notification, notifications=notifications):
        if row is not None and router.db_for_write(row[0]) == connection.alias:
            return row
    return None


def record(
    notifications: list[Notification],
    *,
    written: bool = False,
    task_row: tuple[type, dict] | None = None,
) -> list[Notification]:
    """Store ``notifications`` and have their delivery enqueued, in the caller's
    transaction (call it inside the transaction of the change), after the events
    they point to. Two INSERTs, whatever their number: the notifications, and the
    one task that delivers them (``notifications.tasks.deliver_change``); nothing at
    all for no notification. ``written``: the caller's own statement already wrote
    them, with their ids (a booking on PostgreSQL: ``statements.write_issue``), and
    with them their task's row when ``task_row`` (``delivery_row``) is given."""
    if not notifications:
        return notifications
    if not written:
        Notification.objects.bulk_create(notifications)
    recorded.send(sender=Notification, notifications=notifications, task_row=task_row)
    return notifications


# --------------------------------------------------------------------------- helpers

_UNKNOWN = object()


def _token_issuer(token: Token):
    """The token's ``created_by_id`` if loaded, else ``_UNKNOWN`` (read by one query)."""
    return token.__dict__.get("created_by_id", _UNKNOWN)


def _issuer(event: TokenEvent):
    if TokenEvent.token.is_cached(event):
        return _token_issuer(event.token)
    return _UNKNOWN


def _portal_issued(issuers: dict, actor=None) -> set:
    """Of the tokens in ``issuers`` (token id → issuer id, ``None`` or ``_UNKNOWN``),
    those issued by a portal client, as ``roles.is_portal_client`` decides.

    At most one query for the tokens not at hand, which reads their issuers with
    their roles, and one for the roles of the other issuers (never the actor's)."""
    unknown = [token_id for token_id, issuer in issuers.items() if issuer is _UNKNOWN]
    portal: set[int] = set()
    known: set[int] = set()
    if unknown:
        rows = list(
            Token.objects.filter(pk__in=unknown).values_list(
                "pk",
                "created_by_id",
                "created_by__is_active",
                "created_by__is_superuser",
                "created_by__groups__name",
            )
        )
        issuers.update((pk, user_id) for pk, user_id, *_ in rows)
        portal, known = _portal_among((user_id, *roles_of) for _, user_id, *roles_of in rows)
    user_ids = {issuer for issuer in issuers.values() if issuer is not None} - known
    if getattr(actor, "pk", None) in user_ids:
        user_ids.discard(actor.pk)
        if roles.is_portal_client(actor):
            portal.add(actor.pk)
    if user_ids:
        portal |= _portal_clients(user_ids)
    return {token_id for token_id, issuer in issuers.items() if issuer in portal}


def _portal_clients(user_ids: set[int]) -> set[int]:
    """Which of these users are portal clients (``roles.is_portal_client``): one query."""
    rows = get_user_model().objects.filter(pk__in=user_ids)
    portal, _ = _portal_among(rows.values_list("pk", "is_active", "is_superuser", "groups__name"))
    return portal


def _portal_among(rows: Iterable[tuple]) -> tuple[set[int], set[int]]:
    """From rows of (user id, is_active, is_superuser, group name) — one per group, a
    LEFT JOIN's — the portal clients among those users, and all the users seen."""
    User = get_user_model()
    users, groups = {}, defaultdict(set)
    for pk, is_active, is_superuser, group in rows:
        if pk is None:
            continue  # a token the system issued
        users.setdefault(pk, User(pk=pk, is_active=is_active, is_superuser=is_superuser))
        if group is not None:
            groups[pk].add(group)
    portal = set()
    for pk, user in users.items():
        roles.remember_roles(user, groups[pk])
        if roles.is_portal_client(user):
            portal.add(pk)
    return portal, set(users)
