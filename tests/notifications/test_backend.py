"""The queue's backend (notifications.backend) writes the row django-tasks-db's own
backend writes, and answers as it does: the worker, the admin and the sweep rely on
that row, and only the way it is written differs."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.signals import task_enqueued
from django_tasks_db.backend import DatabaseBackend as StockDatabaseBackend
from django_tasks_db.models import DBTaskResult

from notifications.backend import DatabaseBackend
from notifications.tasks import deliver, deliver_change, deliver_each
from tests.factories import PatientFactory, make_day
from tokens.models import Notification
from tokens.services import token_issue

pytestmark = pytest.mark.django_db

# Stamped when the row is written, so never equal between two rows.
STAMPS = ("id", "enqueued_at")
DATE = timezone.localdate() + dt.timedelta(days=1)
MORNING = timezone.make_aware(dt.datetime.combine(DATE, dt.time(8)))


def _rows(task, *args):
    ours = task_backends["default"]
    assert isinstance(ours, DatabaseBackend)
    stock = StockDatabaseBackend("default", {"QUEUES": ["default"]})
    mine, theirs = ours.enqueue(task, args, {}), stock.enqueue(task, args, {})
    return (
        mine,
        theirs,
        DBTaskResult.objects.get(pk=mine.id),
        DBTaskResult.objects.get(pk=theirs.id),
    )


def _fields(row: DBTaskResult) -> dict:
    values = model_to_dict(row)
    values["enqueued_at"] = row.enqueued_at
    return {k: v for k, v in values.items() if k not in STAMPS}


@pytest.mark.parametrize(
    "task, args",
    [
        (deliver_each, ([3, 1, 2],)),
        (deliver_change, (["0b6f3a52-3d3e-4a57-9c1e-2f1c2b8e6a11"],)),
        (deliver.using(run_after=dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)), (7,)),
        (deliver.using(priority=10, queue_name="default"), (8,)),
    ],
)
def test_the_row_written_is_the_one_django_tasks_db_writes(task, args):
    mine, theirs, my_row, their_row = _rows(task, *args)
    assert _fields(my_row) == _fields(their_row)
    assert my_row.status == "READY" and my_row.worker_ids == []
    before = timezone.now() - dt.timedelta(minutes=1)
    assert before < my_row.enqueued_at <= timezone.now()
    # The result handed back reads as the stock one does.
    for name in ("status", "args", "kwargs", "backend", "worker_ids", "errors"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert mine.task == theirs.task
    assert str(mine.id) == str(my_row.pk)


def test_a_task_to_run_now_waits_for_no_date():
    result = deliver_each.enqueue([1])
    row = DBTaskResult.objects.get(pk=result.id)
    assert row in DBTaskResult.objects.ready()  # the worker's own query finds it
    assert result.task.run_after is None


def test_enqueue_signals_once_with_the_result():
    seen = []

    def receiver(sender, task_result, **kwargs):
        seen.append(task_result)

    task_enqueued.connect(receiver)
    try:
        result = deliver_each.enqueue([5])
    finally:
        task_enqueued.disconnect(receiver)
    assert [r.id for r in seen] == [result.id]
    assert deliver_each.get_result(result.id).args == [[5]]


def test_enqueue_writes_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        deliver_each.enqueue([1, 2])


def test_a_booking_writes_the_row_enqueue_writes(django_assert_num_queries):
    """The booking's write carries its delivery task's row (``write_issue``'s rider):
    the same row as ``deliver_change.enqueue`` writes, in the booking's statement."""
    day, patient = make_day(2, date=DATE), PatientFactory()
    with django_assert_num_queries(5):  # SAVEPOINT, lock, read, write, RELEASE
        result = token_issue(day=day, patient=patient, source="online", now=MORNING)
    notices = list(Notification.objects.filter(token=result.token).order_by("id"))
    assert notices, "a booking owes the patient its confirmation"
    [booked] = DBTaskResult.objects.filter(task_path=deliver_change.module_path)
    assert booked.args_kwargs == {"args": [[str(n.delivery_id) for n in notices]], "kwargs": {}}
    enqueued = deliver_change.enqueue([str(n.delivery_id) for n in notices])
    assert _fields(booked) == _fields(DBTaskResult.objects.get(pk=enqueued.id))
    assert booked in DBTaskResult.objects.ready()


def test_the_booking_signals_its_task_as_enqueue_does():
    day = make_day(2, date=DATE)
    seen = []

    def receiver(sender, task_result, **kwargs):
        seen.append(task_result)

    task_enqueued.connect(receiver)
    try:
        token_issue(day=day, patient=PatientFactory(), source="online", now=MORNING)
    finally:
        task_enqueued.disconnect(receiver)
    [row] = DBTaskResult.objects.filter(task_path=deliver_change.module_path)
    assert [str(r.id) for r in seen] == [str(row.pk)]
    assert seen[0].task.module_path == deliver_change.module_path


def test_with_another_queue_the_booking_enqueues_its_task_on_its_own(
    monkeypatch, django_assert_num_queries
):
    """A queue the engine's statement cannot write (not this project's database
    backend) is asked after the write, through the Tasks API, as any change is."""
    day, patient = make_day(2, date=DATE), PatientFactory()
    stock = StockDatabaseBackend("default", {"QUEUES": ["default"]})
    monkeypatch.setattr(type(deliver_change), "get_backend", lambda task: stock)
    with django_assert_num_queries(6):  # SAVEPOINT, lock, read, write, task, RELEASE
        result = token_issue(day=day, patient=patient, source="online", now=MORNING)
    notices = list(Notification.objects.filter(token=result.token).order_by("id"))
    [row] = DBTaskResult.objects.filter(task_path=deliver_change.module_path)
    assert row.args_kwargs["args"] == [[str(n.delivery_id) for n in notices]]
