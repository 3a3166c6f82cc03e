"""Delivery: the worker sends, retries with backoff, gives up, and never sends a
message twice under one attempt key; a slow or failing gateway never touches a booking."""

import datetime as dt
import json
import signal
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from notifications import delivery
from notifications.delivery import DEAD, FAILED, SENT, SKIPPED, backoff, claim
from notifications.tasks import deliver_change, sweep
from tests.conftest import at
from tests.factories import PatientFactory, issue, slots_of
from tests.notifications.conftest import (
    DELIVER,
    DELIVER_CHANGE,
    Outbox,
    delivery_tasks,
    http_sms_env,
    run_worker,
    wait_for,
    worker_process,
)
from tokens.models import NoticeStatus, Notification, Token
from tokens.services import token_issue

T0 = timezone.make_aware(dt.datetime(2030, 1, 7, 8, 0))


def recorded(day, n: int = 1, **kwargs) -> list[Notification]:
    """``n`` tokens issued through the engine: the notices it recorded with them (one
    SMS and one delivery task each)."""
    outbox = Outbox()
    for _ in range(n):
        issue(day, **kwargs)
    return outbox.new()


def reread(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def sent_keys(gateway) -> list[str]:
    return [r.json()["idempotency_key"] for r in gateway.received]


# --------------------------------------------------------------------------- the worker


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_each_recorded_sms_once_through_the_gateway(day, http_sms):
    a, b = recorded(day, 2)
    run_worker()
    assert len(http_sms.received) == 2
    first = http_sms.received[0]
    body = first.json()
    token = Token.objects.select_related("patient").get(pk=a.token_id)
    assert body["to"] == token.patient.phone
    assert body["text"].startswith(f"OPD token {token.number}: ")
    assert body["idempotency_key"] == f"{a.delivery_id}:1"
    assert first.headers["Authorization"] == "Bearer gw-secret"
    assert first.headers["Idempotency-Key"] == f"{a.delivery_id}:1"
    for notice in (a, b):
        row = reread(notice)
        assert (row.status, row.attempts, row.last_error) == (NoticeStatus.SENT, 1, "")
        assert row.sent_at is not None
    # One task per booking, each sending its booking's one message.
    assert delivery_tasks() == [[a.pk], [b.pk]]
    results = DBTaskResult.objects.filter(task_path=DELIVER_CHANGE)
    assert [(r.status, r.return_value) for r in results] == [
        (TaskResultStatus.SUCCESSFUL, [SENT]),
        (TaskResultStatus.SUCCESSFUL, [SENT]),
    ]
    assert delivery_tasks(DELIVER) == []
    run_worker()  # nothing left to do
    assert len(http_sms.received) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_attempt_is_retried_by_the_worker_itself_later(day, http_sms):
    http_sms.status = 500
    [notice] = recorded(day)
    run_worker()
    row = reread(notice)
    assert (row.status, row.attempts) == (NoticeStatus.FAILED, 1)
    assert row.last_error.startswith("HTTP 500 from http://127.0.0.1:")
    # The retry is a task of its own, for this one message.
    [retry] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert (retry.task_path, retry.args_kwargs["args"]) == (DELIVER, [notice.pk])
    assert retry.run_after == row.next_attempt_at
    assert (
        dt.timedelta(seconds=25) < row.next_attempt_at - timezone.now() <= dt.timedelta(seconds=30)
    )
    run_worker()  # the retry is not due yet
    assert len(http_sms.received) == 1
    # Half a minute later (moved back instead of waited for), the gateway is fine again.
    http_sms.status = 200
    past = timezone.now() - dt.timedelta(seconds=1)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=past)
    Notification.objects.filter(pk=notice.pk).update(next_attempt_at=past)
    run_worker()
    row = reread(notice)
    assert (row.status, row.attempts) == (NoticeStatus.SENT, 2)
    assert sent_keys(http_sms) == [f"{notice.delivery_id}:1", f"{notice.delivery_id}:2"]


# --------------------------------------------------------------------------- retries


def test_backoff_doubles_from_30_seconds_up_to_30_minutes():
    waits = [backoff(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]


def test_failures_back_off_then_the_message_is_dead(day, http_sms):
    http_sms.status = 503
    [notice] = recorded(day)
    retries = []
    now = T0
    for attempt in range(1, 7):
        outcome = delivery.deliver(
            notice.pk, now=now, retry=lambda pk, when: retries.append((pk, when))
        )
        row = reread(notice)
        assert row.attempts == attempt
        if attempt < 6:
            assert outcome == FAILED and row.status == NoticeStatus.FAILED
            assert row.next_attempt_at == now + backoff(attempt)
            assert retries[-1] == (notice.pk, row.next_attempt_at)
            # Not due before its time: the gateway hears nothing.
            early = row.next_attempt_at - dt.timedelta(seconds=1)
            assert delivery.deliver(notice.pk, now=early) == SKIPPED
            assert len(http_sms.received) == attempt
            now = row.next_attempt_at
        else:
            assert outcome == DEAD and row.status == NoticeStatus.DEAD
    assert len(retries) == 5
    assert row.last_error.startswith("HTTP 503")
    assert delivery.deliver(notice.pk, now=now + dt.timedelta(days=1)) == SKIPPED
    assert sent_keys(http_sms) == [f"{notice.delivery_id}:{n}" for n in range(1, 7)]


def test_the_number_of_attempts_is_a_setting(day, http_sms, settings):
    settings.OPD_NOTIFY_MAX_ATTEMPTS = 2
    http_sms.status = 500
    [notice] = recorded(day)
    assert delivery.deliver(notice.pk, now=T0) == FAILED
    assert delivery.deliver(notice.pk, now=T0 + dt.timedelta(minutes=1)) == DEAD


def test_a_gateway_that_times_out_is_a_failed_attempt(day, http_sms, settings):
    settings.OPD_SMS_GATEWAY_TIMEOUT = 0.5
    http_sms.delay = 2
    [notice] = recorded(day)
    started = time.monotonic()
    assert delivery.deliver(notice.pk, now=T0) == FAILED
    assert time.monotonic() - started < 1.5
    row = reread(notice)
    port = http_sms.server.server_address[1]
    assert row.last_error == f"No answer from http://127.0.0.1:{port} within 0.5 s"


def test_a_gateway_that_cannot_be_reached_is_a_failed_attempt(day, http_sms, settings):
    http_sms.stop()
    [notice] = recorded(day)
    assert delivery.deliver(notice.pk, now=T0) == FAILED
    assert reread(notice).last_error.startswith("Cannot reach http://127.0.0.1:")
    http_sms.start()  # for the fixture's teardown


def test_a_redirect_is_not_followed(day, http_sms):
    http_sms.status = 302
    [notice] = recorded(day)
    assert delivery.deliver(notice.pk, now=T0) == FAILED
    assert reread(notice).last_error.startswith("HTTP 302")
    assert len(http_sms.received) == 1


def test_the_body_template_and_placeholders_are_settings(day, http_sms, settings):
    settings.OPD_SMS_GATEWAY_BODY = json.dumps(
        {"messages": [{"dest": "{to}", "body": "{text}"}], "ref": "opd-{idempotency_key}"}
    )
    [notice] = recorded(day)
    delivery.deliver(notice.pk, now=T0)
    body = http_sms.received[0].json()
    assert body["messages"][0]["dest"].startswith("+91")
    assert body["messages"][0]["body"].startswith("OPD token ")
    assert body["ref"] == f"opd-{notice.delivery_id}:1"


# --------------------------------------------------------------------------- at most once per key


def test_a_sent_message_is_never_sent_again(day, http_sms):
    [notice] = recorded(day)
    assert delivery.deliver(notice.pk, now=T0) == SENT
    assert delivery.deliver(notice.pk, now=T0 + dt.timedelta(hours=1)) == SKIPPED
    assert len(http_sms.received) == 1


def test_two_workers_cannot_claim_one_message(day):
    [notice] = recorded(day)
    assert claim(notice.pk, now=T0) == 1
    assert claim(notice.pk, now=T0) is None  # being sent: its lease runs
    lease_end = reread(notice).next_attempt_at
    assert lease_end == T0 + dt.timedelta(seconds=300)
    assert claim(notice.pk, now=lease_end) == 2  # its worker died: a new attempt


class WorkerKilled(BaseException):
    """What a SIGKILL is to the code that was running: nothing after it happens."""


@pytest.fixture
def kill_once(monkeypatch):
    """Kill the worker once, on the message of ``target[0]``: before the gateway is
    called, or (``after_send``) once the gateway has taken it."""
    target: list = []
    real_send = delivery.send

    def send(notification, **kwargs):
        pk, after_send = target[0]
        if notification.pk == pk:
            target[0] = (None, False)
            if after_send:
                real_send(notification, **kwargs)
            raise WorkerKilled
        return real_send(notification, **kwargs)

    monkeypatch.setattr(delivery, "send", send)
    return target


def age_leases() -> None:
    """Time passes beyond every lease (moved back rather than waited for)."""
    Notification.objects.filter(status=NoticeStatus.SENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.mark.django_db(transaction=True)
def test_after_a_crash_between_claim_and_send_a_restart_sends_only_the_unsent_message(
    day, http_sms, kill_once
):
    done, killed = recorded(day, 2)
    kill_once.append((killed.pk, False))
    run_worker()  # sends `done`, dies on `killed` after claiming it
    assert [reread(n).status for n in (done, killed)] == [NoticeStatus.SENT, NoticeStatus.SENDING]
    assert sent_keys(http_sms) == [f"{done.delivery_id}:1"]
    # Restarted before the lease ran out: the message may still be on its way.
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    assert len(http_sms.received) == 1
    # After the lease: the sweep enqueues it again, and it is sent once, as attempt 2.
    age_leases()
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    assert sent_keys(http_sms) == [f"{done.delivery_id}:1", f"{killed.delivery_id}:2"]
    row = reread(killed)
    assert (row.status, row.attempts) == (NoticeStatus.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_gateway_took_the_message_resends_under_a_new_key(
    day, http_sms, kill_once
):
    """At least once across attempts, at most once per attempt key: the gateway can
    tell the two sends apart, and a webhook receiver dedupes on its stable event_id."""
    [notice] = recorded(day)
    kill_once.append((notice.pk, True))
    run_worker()
    assert reread(notice).status == NoticeStatus.SENDING
    age_leases()
    delivery_tasks_before = DBTaskResult.objects.count()
    assert sweep() == [notice.pk]
    assert DBTaskResult.objects.count() == delivery_tasks_before + 1
    run_worker()
    assert sent_keys(http_sms) == [f"{notice.delivery_id}:1", f"{notice.delivery_id}:2"]
    assert reread(notice).status == NoticeStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_crash_on_one_message_of_a_change_leaves_its_others_to_the_sweep(
    day, http_sms, kill_once
):
    """One task delivers a change's messages one after the other, each claimed on its
    own: a worker killed on the first leaves the next pending, not lost."""
    first = slots_of(day)[0]
    issue(day, slot=first), issue(day, slot=first)
    outbox = Outbox()
    issue(day, "paid", slot=first)  # displaces a token of the full slot: two SMS, one task
    paid, displaced = outbox.new()
    assert delivery_tasks()[-1] == [paid.pk, displaced.pk]
    kill_once.append((paid.pk, False))
    run_worker()
    assert (reread(paid).status, reread(displaced).status) == (
        NoticeStatus.SENDING,
        NoticeStatus.PENDING,
    )
    age_leases()
    assert set(sweep(now=timezone.now() + dt.timedelta(seconds=61))) == {paid.pk, displaced.pk}
    run_worker()
    assert [(r.status, r.attempts) for r in map(reread, (paid, displaced))] == [
        (NoticeStatus.SENT, 2),
        (NoticeStatus.SENT, 1),
    ]
    keys = set(sent_keys(http_sms))
    assert {f"{paid.delivery_id}:2", f"{displaced.delivery_id}:1"} <= keys
    assert f"{paid.delivery_id}:1" not in keys  # killed before the gateway was called


def test_the_sweep_leaves_a_notification_whose_task_is_waiting(day):
    [notice] = recorded(day)  # its task is in the queue
    later = timezone.now() + dt.timedelta(minutes=5)
    assert sweep(now=later) == []
    DBTaskResult.objects.all().delete()  # the task is lost
    assert sweep(now=later) == [notice.pk]
    assert sweep(now=later) == []  # enqueued once


def test_the_sweep_waits_a_grace_period_before_taking_a_task_for_lost(day):
    [notice] = recorded(day)
    DBTaskResult.objects.all().delete()
    assert sweep(now=timezone.now()) == []
    assert sweep(now=timezone.now() + dt.timedelta(seconds=61)) == [notice.pk]


# --------------------------------------------------------------------------- bookings never wait


@pytest.mark.django_db(transaction=True)
def test_a_hung_gateway_never_holds_up_or_rolls_back_a_booking(day, gateway):
    gateway.delay = 4
    recorded(day)
    worker = worker_process("--batch", **http_sms_env(gateway, timeout=2))
    try:
        wait_for(lambda: gateway.received)
        # The worker is stuck in the gateway: a booking, with its own notices, goes through.
        started = time.monotonic()
        outbox = Outbox()
        token = token_issue(day=day, patient=PatientFactory(), source="walk_in", now=at(8)).token
        assert time.monotonic() - started < 1.0
        assert [n.token_id for n in outbox.new()] == [token.pk]
        output, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert worker.returncode == 0, output
    assert Token.objects.filter(pk=token.pk).exists()
    assert set(Notification.objects.values_list("status", flat=True)) == {NoticeStatus.FAILED}
    assert set(Notification.objects.values_list("last_error", flat=True)) == {
        f"No answer from http://127.0.0.1:{gateway.server.server_address[1]} within 2 s"
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_replaced_and_the_message_sent_once_more(day, http_sms):
    """A real SIGKILL while the http_sms holds the request: the row stays ``sending``
    (and django-tasks-db's task ``RUNNING`` forever); after the lease the sweep and
    a new worker send it, as attempt 2."""
    http_sms.delay = 60
    [notice] = recorded(day)
    worker = worker_process(**http_sms_env(http_sms, timeout=120))
    try:
        wait_for(lambda: http_sms.received)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=10)
    row = reread(notice)
    assert (row.status, row.attempts) == (NoticeStatus.SENDING, 1)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
    http_sms.delay = 0
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    assert len(http_sms.received) == 1  # the lease still runs
    age_leases()
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    assert [r.headers["Idempotency-Key"] for r in http_sms.received] == [
        f"{notice.delivery_id}:1",
        f"{notice.delivery_id}:2",
    ]
    assert reread(notice).status == NoticeStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_gateway_answering_500_leaves_the_bookings_as_they_are(day, http_sms):
    http_sms.status = 500
    recorded(day, 3)
    run_worker()
    assert Token.objects.count() == 3
    assert Notification.objects.filter(status=NoticeStatus.FAILED).count() == 3


def test_a_change_task_skips_a_message_it_cannot_find(day):
    """A change's task names its messages by delivery id; one that is not there (a
    hand-edited queue) is skipped, and the task's other messages still go."""
    [notice] = recorded(day)
    outcomes = deliver_change.call(
        ["00000000-0000-4000-8000-000000000000", str(notice.delivery_id)]
    )
    assert outcomes[0] == SKIPPED
    assert outcomes[1] != SKIPPED and reread(notice).attempts == 1
