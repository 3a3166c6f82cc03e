"""``record``: the engine records a change's notifications itself, with one delivery
task for them, in the change's own transaction — both or neither."""

import pytest
from django.db import transaction

from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day, slots_of
from tests.notifications.conftest import DELIVER, delivery_tasks
from tokens.models import Channel, NoticeKind, NoticeStatus, Notification, Token
from tokens.notices import record
from tokens.services import (
    day_set_delay,
    token_book,
    token_check_in,
    token_issue,
    token_mark_no_show,
)


class Boom(Exception):
    pass


def test_a_booking_records_its_notification_and_one_task(day, outbox):
    with transaction.atomic():
        issue(day)
        [stored] = outbox.new()
        # The task row is written by the enqueue, inside this very transaction.
        assert delivery_tasks() == [[stored.pk]]
    assert (stored.kind, stored.channel) == (NoticeKind.ISSUED, Channel.SMS)
    assert stored.status == NoticeStatus.PENDING and stored.attempts == 0
    assert stored.delivery_id and stored.created_at and stored.next_attempt_at
    assert delivery_tasks(DELIVER) == []


def test_one_task_delivers_all_the_messages_of_a_change(day, outbox, portal_user):
    first = slots_of(day)[0]
    issue(day, slot=first), issue(day, slot=first)
    outbox.new()
    tasks_before = delivery_tasks()
    person = PatientFactory.build()
    token_book(
        source="paid",
        name=person.name,
        phone=person.phone,
        slot_id=first.pk,
        actor=portal_user,
        now=at(8),
    )
    notices = outbox.new()
    assert [(n.kind, n.channel) for n in notices] == [
        (NoticeKind.ISSUED, Channel.SMS),
        (NoticeKind.ISSUED, Channel.WEBHOOK),
        (NoticeKind.DISPLACED, Channel.SMS),
    ]
    assert delivery_tasks() == [*tasks_before, [n.pk for n in notices]]


def test_each_recorded_event_has_its_own_task(outbox):
    """A change that writes events one by one (``_record``) records and enqueues per
    event: a no-show that promotes gives two tasks, the no-show's and the promotion's."""
    day = make_day(1)
    seated, waiting = issue(day), issue(day)
    outbox.new()
    tasks_before = delivery_tasks()
    token_mark_no_show(token=seated, now=at(8, 30))
    no_show, promoted = outbox.new()
    assert (no_show.token_id, no_show.kind) == (seated.pk, NoticeKind.NO_SHOW)
    assert (promoted.token_id, promoted.kind) == (waiting.pk, NoticeKind.PROMOTED)
    assert delivery_tasks() == [*tasks_before, [no_show.pk], [promoted.pk]]


def test_a_silent_change_records_nothing_and_enqueues_nothing(day, outbox):
    token = issue(day)
    outbox.new()
    tasks_before = delivery_tasks()
    token_check_in(token=token, now=at(9))
    assert outbox.new() == []
    assert delivery_tasks() == tasks_before


def test_a_delay_records_its_notices_with_one_task(day, outbox, settings):
    settings.OPD_DELAY_NOTICE_MINUTES = 15
    a, b = issue(day), issue(day)
    outbox.new()
    tasks_before = delivery_tasks()
    day_set_delay(day=day, minutes=20, now=at(9))
    notices = outbox.new()
    assert sorted((n.token_id, n.kind) for n in notices) == sorted(
        [(a.pk, NoticeKind.DELAYED), (b.pk, NoticeKind.DELAYED)]
    )
    assert delivery_tasks() == [*tasks_before, [n.pk for n in notices]]
    day_set_delay(day=day, minutes=25, now=at(9, 5))  # grew too little: nobody is told
    assert outbox.new() == []
    assert delivery_tasks() == [*tasks_before, [n.pk for n in notices]]


def test_record_of_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record([]) == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_notification_and_no_task(day):
    with pytest.raises(Boom), transaction.atomic():
        token_issue(day=day, patient=PatientFactory(), source="online", now=at(8))
        assert Notification.objects.count() == 1 and len(delivery_tasks()) == 1
        raise Boom
    assert Token.objects.count() == 0
    assert Notification.objects.count() == 0
    assert delivery_tasks() == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_has_its_notifications_and_tasks(day):
    with transaction.atomic():
        token_issue(day=day, patient=PatientFactory(), source="online", now=at(8))
    [notice] = Notification.objects.all()
    assert delivery_tasks() == [[notice.pk]]
