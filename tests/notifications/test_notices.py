"""Which messages each change owes (tokens.notices): what the engine records with each
change, and ``notices_for_events``/``notices_for_delay`` on their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import tokens.services
from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day, make_user, slots_of
from tokens import roles
from tokens.models import Channel, EventKind, NoticeKind, Notification, Status, Token, TokenEvent
from tokens.notices import EVENT_NOTICES, SILENT, notices_for_delay, notices_for_events, record
from tokens.services import (
    day_cancel,
    day_close,
    day_set_delay,
    slot_close,
    token_book,
    token_call,
    token_cancel,
    token_check_in,
    token_complete,
    token_issue,
    token_mark_no_show,
    token_reallocate,
    tokens_mark_no_shows,
)

SMS, WEBHOOK = Channel.SMS, Channel.WEBHOOK


def owed(notices) -> list[tuple[str, str, str]]:
    """(token number, notice kind, channel) of each notice, in order."""
    numbers = dict(Token.objects.values_list("pk", "number"))
    return [(numbers[n.token_id], n.kind, n.channel) for n in notices]


def book(day, actor, source="online", **kwargs):
    person = PatientFactory.build()
    return token_book(
        source=source,
        name=person.name,
        phone=person.phone,
        day_id=day.pk,
        actor=actor,
        now=at(8),
        **kwargs,
    ).token


def test_every_event_kind_is_either_told_or_silent():
    assert set(EVENT_NOTICES) | set(SILENT) == set(EventKind.values)
    assert not set(EVENT_NOTICES) & set(SILENT)


def test_an_issued_token_owes_its_patient_one_sms(day, events, outbox):
    token = issue(day)
    [notice] = outbox.new()
    assert owed([notice]) == [(token.number, NoticeKind.ISSUED, SMS)]
    [event] = events.new()
    assert notice.event == event and event.kind == "issued" and notice.language == "en"
    # Computed again from the same events: the same notice, not saved.
    [again] = notices_for_events([event])
    assert owed([again]) == owed([notice]) and again.pk is None


def test_a_token_the_portal_issued_owes_the_portal_a_webhook_too(day, outbox, portal_user):
    token = book(day, portal_user)
    assert owed(outbox.new()) == [
        (token.number, NoticeKind.ISSUED, SMS),
        (token.number, NoticeKind.ISSUED, WEBHOOK),
    ]


def test_a_token_the_desk_issued_owes_no_webhook(day, outbox, reception_user):
    token = book(day, reception_user, source="walk_in")
    assert owed(outbox.new()) == [(token.number, NoticeKind.ISSUED, SMS)]


@pytest.mark.parametrize("roles", [("portal", "reception"), ("portal", "admin")])
def test_a_staff_member_who_is_also_in_the_portal_group_is_no_portal_client(
    day, events, outbox, roles
):
    both = make_user("both", *roles)
    book(day, both)
    assert [n.channel for n in outbox.new()] == [SMS]
    assert [n.channel for n in notices_for_events(events.new())] == [SMS]  # roles read again


def test_a_superuser_is_no_portal_client(day, events, outbox):
    root = make_user("root", "portal", is_superuser=True)
    book(day, root)
    assert [n.channel for n in outbox.new()] == [SMS]
    assert [n.channel for n in notices_for_events(events.new())] == [SMS]


def test_a_displacement_tells_the_new_patient_and_the_displaced_one(day, outbox):
    first = slots_of(day)[0]
    issue(day, slot=first), (late := issue(day, slot=first))
    outbox.new()
    paid = issue(day, "paid", slot=first)
    assert owed(outbox.new()) == [
        (paid.number, NoticeKind.ISSUED, SMS),
        (late.number, NoticeKind.DISPLACED, SMS),
    ]


def test_a_displaced_portal_token_owes_that_portal_a_webhook_and_the_desk_none(
    day, outbox, portal_user, reception_user
):
    first = slots_of(day)[0]
    issue(day, slot=first)
    victim = book(day, portal_user, slot_id=first.pk)
    outbox.new()
    paid = book(day, reception_user, source="paid", slot_id=first.pk)
    assert owed(outbox.new()) == [
        (paid.number, NoticeKind.ISSUED, SMS),
        (victim.number, NoticeKind.DISPLACED, SMS),
        (victim.number, NoticeKind.DISPLACED, WEBHOOK),
    ]


def test_a_staff_reallocation_is_told_as_moved(day, outbox):
    token = issue(day, slot=slots_of(day)[0])
    outbox.new()
    token_reallocate(token=token, slot=slots_of(day)[2], now=at(8, 30))
    assert owed(outbox.new()) == [(token.number, NoticeKind.MOVED, SMS)]


def test_a_closed_slot_tells_every_token_it_moved(day, outbox):
    first = slots_of(day)[0]
    a, b = issue(day, slot=first), issue(day, slot=first)
    outbox.new()
    slot_close(slot=first, now=at(8, 30), reason="Doctor called to theatre")
    assert sorted(owed(outbox.new())) == [
        (a.number, NoticeKind.SLOT_CLOSED, SMS),
        (b.number, NoticeKind.SLOT_CLOSED, SMS),
    ]


def test_a_promotion_is_told_and_the_cancellation_that_freed_the_seat_is_not(outbox):
    day = make_day(1)
    seated, waiting = issue(day), issue(day)
    assert Token.objects.get(pk=waiting.pk).status == Status.WAITLISTED
    outbox.new()
    token_cancel(token=seated, now=at(8, 30), reason="Patient phoned")
    assert owed(outbox.new()) == [(waiting.number, NoticeKind.PROMOTED, SMS)]


def test_a_cancelled_day_tells_every_waiting_patient(day, outbox):
    tokens = [issue(day) for _ in range(3)]
    outbox.new()
    day_cancel(day=day, reason="Doctor unwell", now=at(8, 30))
    assert sorted(owed(outbox.new())) == sorted(
        (t.number, NoticeKind.DAY_CANCELLED, SMS) for t in tokens
    )


def test_a_call_is_told_but_not_the_check_in_nor_the_completion(day, outbox):
    token = issue(day)
    outbox.new()
    token_check_in(token=token, now=at(9))
    assert outbox.new() == []
    token_call(token=token, now=at(9, 5))
    assert owed(outbox.new()) == [(token.number, NoticeKind.CALLED, SMS)]
    token_complete(token=token, now=at(9, 15))
    assert outbox.new() == []


def test_a_cancellation_by_the_patient_is_not_told(day, outbox, portal_user):
    token = book(day, portal_user)
    outbox.new()
    token_cancel(token=token, actor=portal_user, now=at(8, 30))
    assert outbox.new() == []


def test_no_shows_are_told_by_hand_and_by_the_sweep(day, outbox):
    by_hand, by_rule = issue(day), issue(day)
    outbox.new()
    token_mark_no_show(token=by_hand, now=at(9, 30))
    assert owed(outbox.new()) == [(by_hand.number, NoticeKind.NO_SHOW, SMS)]
    tokens_mark_no_shows(now=at(11), day_ids=[day.pk])
    assert owed(outbox.new()) == [(by_rule.number, NoticeKind.NO_SHOW, SMS)]


def test_the_days_close_tells_expired_and_no_show_tokens(outbox):
    day = make_day(1)
    never_came, waitlisted = issue(day), issue(day)
    outbox.new()
    day_close(day=day, now=at(18))
    assert owed(outbox.new()) == [
        (never_came.number, NoticeKind.NO_SHOW, SMS),
        (waitlisted.number, NoticeKind.EXPIRED, SMS),
    ]


def test_the_language_comes_from_the_settings(day, events, outbox, settings):
    settings.OPD_NOTIFY_LANGUAGE = "hi"
    issue(day)
    assert [n.language for n in outbox.new()] == ["hi"]
    assert [n.language for n in notices_for_events(events.new())] == ["hi"]


def test_each_notice_of_a_displacing_booking_points_to_the_event_that_owes_it(
    day, outbox, portal_user
):
    # On PostgreSQL the booking writes its notices in the statement that assigns its
    # events' ids: each must still point to its own event.
    first = slots_of(day)[0]
    issue(day, slot=first), book(day, portal_user, slot_id=first.pk)
    outbox.new()
    issue(day, "paid", slot=first)
    notices = outbox.new()
    ISSUED, DISPLACED = NoticeKind.ISSUED, NoticeKind.DISPLACED
    assert [(n.kind, n.channel) for n in notices] == [
        (ISSUED, SMS), (DISPLACED, SMS), (DISPLACED, WEBHOOK)
    ]  # fmt: skip
    for notice in notices:
        event = TokenEvent.objects.get(pk=notice.event_id)
        assert (event.token_id, EVENT_NOTICES[event.kind]) == (notice.token_id, notice.kind)


def test_notices_of_unsaved_events_take_their_ids_when_recorded_after_them(day):
    token = issue(day)
    event = TokenEvent(token=token, day=day, kind="called", to_status=token.status, at=at(8))
    [notice] = notices_for_events([event])
    with pytest.raises(ValueError, match="unsaved related object"):
        record([notice])  # the event first: a notice never points to nothing
    event.save()
    [notice] = notices_for_events([event])
    record([notice])
    assert Notification.objects.get(pk=notice.pk).event_id == event.pk


def test_events_with_their_tokens_at_hand_cost_no_query_for_the_system(
    day, django_assert_num_queries
):
    token_issue(day=day, patient=PatientFactory(), source="online", now=at(8))
    loaded = list(TokenEvent.objects.select_related("token"))
    with django_assert_num_queries(0):
        assert len(notices_for_events(loaded)) == 1


def test_issuers_roles_are_read_in_one_query(day, portal_user, reception_user, events):
    book(day, portal_user), book(day, reception_user), issue(day)
    loaded = list(TokenEvent.objects.select_related("token"))
    with CaptureQueriesContext(connection) as queries:
        notices = notices_for_events(loaded)
    assert len(queries) == 1
    assert [n.channel for n in notices] == [SMS, WEBHOOK, SMS, SMS]


def test_the_acting_portal_client_needs_no_query(day, portal_user, django_assert_num_queries):
    book(day, portal_user)
    loaded = list(TokenEvent.objects.select_related("token"))
    roles.remember_roles(portal_user, {"portal"})  # as the API's authentication does
    with django_assert_num_queries(0):
        notices = notices_for_events(loaded, actor=portal_user)
    assert [n.channel for n in notices] == [SMS, WEBHOOK]


def test_tokens_not_at_hand_cost_one_query_with_their_issuers_roles(day, portal_user, events):
    first = slots_of(day)[0]
    issue(day, slot=first), book(day, portal_user, slot_id=first.pk)
    events.new()
    issue(day, "paid", slot=first)
    fetched = events.new()  # tokens not loaded: their issuers are read with their roles
    with CaptureQueriesContext(connection) as queries:
        notices = notices_for_events(fetched)
    assert len(queries) == 1
    assert [n.channel for n in notices] == [SMS, SMS, WEBHOOK]


def test_issuers_at_hand_and_not_cost_two_queries(day, portal_user, reception_user, events):
    first = slots_of(day)[0]
    issue(day, slot=first), book(day, portal_user, slot_id=first.pk)
    events.new()
    book(day, reception_user, source="paid", slot_id=first.pk)
    [issued, displaced] = events.new()
    # At hand, issued by the desk, which is not the actor: its roles are read.
    assert issued.token.created_by_id == reception_user.pk
    with CaptureQueriesContext(connection) as queries:
        notices = notices_for_events([issued, displaced])
    assert len(queries) == 2
    assert [n.channel for n in notices] == [SMS, SMS, WEBHOOK]


# --------------------------------------------------------------------------- delay


def test_a_delay_below_the_threshold_owes_nothing(day, settings):
    settings.OPD_DELAY_NOTICE_MINUTES = 15
    tokens = [issue(day)]
    assert notices_for_delay(day, 14, tokens) == []


def test_a_delay_tells_the_days_seated_tokens_only(day, settings, portal_user, outbox):
    settings.OPD_DELAY_NOTICE_MINUTES = 15
    allocated = issue(day)
    present = issue(day, "walk_in")
    portal = book(day, portal_user)
    seen = issue(day)
    token_check_in(token=seen, now=at(9))
    token_call(token=seen, now=at(9))
    gone = issue(day)
    token_cancel(token=gone, now=at(8, 30))
    tokens = list(Token.objects.for_day(day))
    notices = notices_for_delay(day, 20, tokens)
    assert sorted(owed(notices)) == sorted(
        [
            (allocated.number, NoticeKind.DELAYED, SMS),
            (present.number, NoticeKind.DELAYED, SMS),
            (portal.number, NoticeKind.DELAYED, SMS),
            (portal.number, NoticeKind.DELAYED, WEBHOOK),
        ]
    )
    assert {n.event_id for n in notices} == {None}
    assert {n.data["delay_minutes"] for n in notices} == {20}
    # The engine records the same when the doctor is declared 20 minutes late.
    outbox.new()
    day_set_delay(day=day, minutes=20, now=at(9, 10))
    recorded = outbox.new()
    assert sorted(owed(recorded)) == sorted(owed(notices))
    assert {n.data["delay_minutes"] for n in recorded} == {20}


def test_a_delay_that_grew_little_or_shrank_owes_nothing(day, settings):
    settings.OPD_DELAY_NOTICE_MINUTES = 15
    tokens = [issue(day)]
    assert notices_for_delay(day, 25, tokens, previous=20) == []
    assert notices_for_delay(day, 20, tokens, previous=40) == []
    assert len(notices_for_delay(day, 35, tokens, previous=20)) == 1


def test_a_waitlisted_token_is_not_told_of_a_delay(db, settings):
    settings.OPD_DELAY_NOTICE_MINUTES = 15
    day = make_day(1)
    issue(day), issue(day)
    tokens = list(Token.objects.for_day(day))
    assert [n.token_id for n in notices_for_delay(day, 30, tokens)] == [tokens[0].pk]


@pytest.fixture
def engine_events(monkeypatch):
    """The engine's own event objects, as it hands them to its logger (after saving
    them and recording their notices): what it passed to ``notices_for_events``."""
    seen: list[TokenEvent] = []
    real = tokens.services.log_events_on_commit

    def capture(events):
        events = list(events)
        seen.extend(events)
        real(events)

    monkeypatch.setattr(tokens.services, "log_events_on_commit", capture)
    return seen


def test_the_engines_own_events_of_a_displacing_portal_booking(
    day, portal_user, reception_user, engine_events, outbox, django_assert_num_queries
):
    first = slots_of(day)[0]
    issue(day, slot=first)
    victim = book(day, reception_user, slot_id=first.pk)
    engine_events.clear()
    outbox.new()
    roles.remember_roles(portal_user, {"portal"})
    paid = book(day, portal_user, source="paid", slot_id=first.pk)
    assert all(event.pk for event in engine_events)
    expected = [
        (paid.number, NoticeKind.ISSUED, SMS),
        (paid.number, NoticeKind.ISSUED, WEBHOOK),
        (victim.number, NoticeKind.DISPLACED, SMS),
    ]
    assert owed(outbox.new()) == expected  # what the engine recorded with the booking
    # The new token is at hand and the actor's; the displaced one's issuer is read
    # with its roles, in one query.
    with django_assert_num_queries(1):
        notices = notices_for_events(engine_events, actor=portal_user)
    assert owed(notices) == expected
