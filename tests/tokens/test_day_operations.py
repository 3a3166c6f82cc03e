"""Rule 8: doctor delay, slot closure and day cancellation."""

import datetime as dt

import pytest

from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tokens import errors
from tokens.invariants import check_day
from tokens.models import EventKind, Status
from tokens.selectors import token_placement
from tokens.services import day_cancel, day_set_delay, slot_close, token_issue


def issue(day, source="online", slot=None, now=None):
    return token_issue(
        day=day, patient=PatientFactory(), source=source, slot=slot, now=now or at(8)
    ).token


def test_a_delay_shifts_every_estimate(day):
    first, second = issue(day), issue(day)
    before = [token_placement(t).estimated_time for t in (first, second)]
    day_set_delay(day=day, minutes=25, now=at(8, 30))
    after = [token_placement(t).estimated_time for t in (first, second)]
    assert [b + dt.timedelta(minutes=25) for b in before] == after


def test_a_delay_must_be_a_sensible_number_of_minutes(day):
    for bad in (-5, 721, "10", 2.5):
        with pytest.raises(errors.InvalidRequest):
            day_set_delay(day=day, minutes=bad, now=at(8))
    day.refresh_from_db()
    assert day.delay_minutes == 0


def test_closing_a_slot_moves_its_tokens_to_later_slots_in_priority_order(db):
    day = make_day(3, 1, 1)
    first, middle, last = day.slots.order_by("start")
    walk_in = issue(day, "walk_in", first)
    paid = issue(day, "paid", first)
    online = issue(day, "online", first)
    slot_close(slot=first, now=at(8), reason="Called to theatre")
    for token in (walk_in, paid, online):
        token.refresh_from_db()
    assert paid.slot == middle
    assert online.slot == last
    assert walk_in.status == Status.WAITLISTED and walk_in.slot is None
    assert check_day(day) == []


def test_moved_tokens_keep_their_status_and_are_recorded(db):
    day = make_day(1, 1)
    first, second = day.slots.order_by("start")
    walk_in = issue(day, "walk_in", first)
    result = slot_close(slot=first, now=at(8))
    walk_in.refresh_from_db()
    assert walk_in.status == Status.CHECKED_IN and walk_in.slot == second
    assert [m.kind for m in result.moved] == [EventKind.MOVED]
    assert walk_in.events.last().kind == EventKind.MOVED


def test_an_emergency_in_a_closed_slot_overbooks_a_later_one_rather_than_wait(db):
    day = make_day(1, 1)
    first, second = day.slots.order_by("start")
    issue(day, "online", second)
    emergency = issue(day, "emergency", first)
    slot_close(slot=first, now=at(8))
    emergency.refresh_from_db()
    assert emergency.slot == second and emergency.overbooked
    assert check_day(day) == []


def test_a_closed_slot_takes_no_new_tokens(day):
    slot = day.slots.order_by("start").first()
    slot_close(slot=slot, now=at(8))
    with pytest.raises(errors.SlotClosed):
        issue(day, slot=slot)
    with pytest.raises(errors.SlotClosed):
        slot_close(slot=slot, now=at(8))


def test_an_ended_slot_cannot_be_closed(day):
    slot = day.slots.order_by("start").first()
    with pytest.raises(errors.SlotEnded):
        slot_close(slot=slot, now=at(10, 30))


def test_cancelling_the_day_cancels_active_tokens_and_lists_them_to_phone(db):
    day = make_day(1)
    seated, waiting = issue(day), issue(day)
    result = day_cancel(day=day, reason="Doctor unwell", now=at(8))
    assert {t.pk for t in result.cancelled} == {seated.pk, waiting.pk}
    seated.refresh_from_db()
    assert seated.status == Status.CANCELLED
    assert seated.cancel_reason == "Doctor's day cancelled: Doctor unwell"
    assert check_day(day) == []


def test_a_cancelled_day_takes_no_tokens_and_needs_a_reason(day):
    with pytest.raises(errors.InvalidRequest):
        day_cancel(day=day, reason="  ", now=at(8))
    day_cancel(day=day, reason="Strike", now=at(8))
    with pytest.raises(errors.DayCancelled, match="Strike"):
        issue(day)
