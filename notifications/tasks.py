"""The delivery task on Django's Tasks API, and everything that enqueues it.

``manage.py db_worker`` (django-tasks-db) runs the queue: a table in the project's
database, so enqueueing is an INSERT in the caller's transaction — the engine's,
for a recorded notification (``tokens.notices.recorded``, connected below).
"""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from notifications import delivery
from notifications.backend import DatabaseBackend as ProjectDatabaseBackend
from tokens.models import NoticeStatus, Notification
from tokens.notices import delivering, recorded


@task()
def deliver(notification_id: int) -> str:
    """Send one notification (``notifications.delivery.deliver``); its outcome."""
    return delivery.deliver(notification_id, retry=retry_later)


def retry_later(notification_id: int, at: dt.datetime) -> None:
    """The worker's own retry: a task that waits until ``at``."""
    deliver.using(run_after=at).enqueue(notification_id)


@task()
def deliver_each(notification_ids: list[int]) -> list[str]:
    """Send these notifications, one after the other; their outcomes. The sweep's
    and the admin's "Retry now" (and every change's, before ``deliver_change``).

    One task for many messages rather than one per message keeps a transaction
    short (one INSERT for the queue); each message is still claimed, retried and
    dead-lettered on its own."""
    return [delivery.deliver(pk, retry=retry_later) for pk in notification_ids]


@task()
def deliver_change(delivery_ids: list[str]) -> list[str]:
    """Send the notifications of one change (by ``delivery_id``, in this order), as
    ``deliver_each`` does; their outcomes. Named by delivery id, which is set before
    they are written, so that a booking's one statement can write this task's row
    with them (``tokens.notices.delivery_row``)."""
    pks = dict(
        Notification.objects.filter(delivery_id__in=delivery_ids).values_list("delivery_id", "pk")
    )
    found = [pks.get(uuid.UUID(key)) for key in delivery_ids]
    return [
        delivery.deliver(pk, retry=retry_later) if pk is not None else delivery.SKIPPED
        for pk in found
    ]


def enqueue(notification_ids: list[int]) -> None:
    """One delivery task for these notifications, in the caller's transaction."""
    if notification_ids:
        deliver_each.enqueue(list(notification_ids))


def _change_args(notifications: list[Notification]) -> list[str]:
    return [str(notification.delivery_id) for notification in notifications]


@receiver(delivering, dispatch_uid="notifications.delivery_row")
def delivery_row(sender, notifications: list[Notification], **kwargs):
    """The row of the change's task, for the engine's statement to write; None when
    the queue is not the database's (then ``enqueue_recorded`` enqueues it)."""
    backend = deliver_change.get_backend()
    if not isinstance(backend, ProjectDatabaseBackend):
        return None
    return DBTaskResult, backend.task_row(deliver_change, (_change_args(notifications),), {})


@receiver(recorded, dispatch_uid="notifications.enqueue_recorded")
def enqueue_recorded(sender, notifications: list[Notification], task_row=None, **kwargs) -> None:
    if task_row is not None:  # the engine's statement wrote the task's row
        _model, values = task_row
        deliver_change.get_backend().enqueued(values)
    else:
        deliver_change.enqueue(_change_args(notifications))


# --------------------------------------------------------------------------- by hand

# A pending notification whose task has not run this long after it fell due is
# taken for lost (a worker killed after taking the task), not merely queued.
SWEEP_GRACE = dt.timedelta(seconds=60)


def sweep(*, now: dt.datetime | None = None, grace: dt.timedelta = SWEEP_GRACE) -> list[int]:
    """Enqueue every notification that is due but has no task waiting for it.

    Due: ``pending`` or ``failed`` since ``grace`` ago, or ``sending`` past its lease
    (its worker died mid-send). A notification whose task is still in the queue is
    left to it. Safe to run at any time and as often as wanted: a task for a
    notification that is no longer due does nothing. Returns the ids enqueued."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        Q(status__in=(NoticeStatus.PENDING, NoticeStatus.FAILED), next_attempt_at__lte=now - grace)
        | Q(status=NoticeStatus.SENDING, next_attempt_at__lte=now)
    ).order_by("next_attempt_at")
    queued = _queued()
    ids = [pk for pk in due.values_list("pk", flat=True) if pk not in queued]
    with transaction.atomic():
        enqueue(ids)
    return ids


def retry_now(notifications: QuerySet, *, now: dt.datetime | None = None) -> list[int]:
    """The admin's "Retry now": failed and dead notifications get one more attempt at
    once. Anything else is left alone: a sent message is never sent again, a
    pending or sending one is on its way. Returns the ids retried."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(
                pk__in=notifications.values("pk"),
                status__in=(NoticeStatus.FAILED, NoticeStatus.DEAD),
            )
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=NoticeStatus.PENDING, next_attempt_at=now
        )
        enqueue(ids)
    return ids


def _queued() -> set[int]:
    """Notifications with a delivery task waiting in the queue (database backend)."""
    backend = deliver.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return set()
    rows = DBTaskResult.objects.filter(
        task_path__in=(deliver.module_path, deliver_each.module_path, deliver_change.module_path),
        backend_name=backend.alias,
        status=TaskResultStatus.READY,
    ).values_list("task_path", "args_kwargs")
    queued: set[int] = set()
    by_delivery_id: set[str] = set()
    for path, row in rows:
        first = (row.get("args") or [None])[0]
        if path == deliver_change.module_path:
            by_delivery_id |= set(first or ())
        else:
            queued |= set(first) if isinstance(first, list) else {first}
    queued.discard(None)
    if by_delivery_id:
        queued |= set(
            Notification.objects.filter(delivery_id__in=by_delivery_id).values_list("pk", flat=True)
        )
    return queued
