"""token_reallocate: staff move a token to another live slot with a free seat."""

import pytest

from scheduling.models import Slot
from tests.conftest import at
from tests.factories import issue, make_day, occupancy, slots_of
from tokens import errors
from tokens.invariants import check_day
from tokens.models import EventKind, Status, TokenEvent
from tokens.services import token_call, token_reallocate

pytestmark = pytest.mark.django_db


def test_it_moves_a_token_to_a_free_slot(day):
    s9, s10, _ = slots_of(day)
    token = issue(day, "online")
    token_reallocate(token=token, slot=s10, now=at(8, 30), reason="Asked for later")
    token.refresh_from_db()
    assert token.slot == s10
    assert token.status == Status.ALLOCATED
    assert occupancy(s9).occupied == 0
    assert check_day(day) == []


def test_it_writes_a_reallocated_event(day):
    s9, s10, _ = slots_of(day)
    token = issue(day, "walk_in")
    token_reallocate(token=token, slot=s10, now=at(8, 30), reason="Asked for later")
    event = token.events.last()
    assert event.kind == EventKind.REALLOCATED
    assert (event.from_slot, event.to_slot) == (s9, s10)
    assert (event.from_status, event.to_status) == (Status.CHECKED_IN, Status.CHECKED_IN)
    assert event.reason == "Asked for later"


def test_it_refuses_a_full_slot_and_names_the_alternatives():
    day = make_day(1, 1, 1)
    s9, s10, s11 = slots_of(day)
    token = issue(day, "paid", slot=s9)
    issue(day, "walk_in", slot=s10)
    events = TokenEvent.objects.count()
    with pytest.raises(errors.SlotFull) as caught:
        token_reallocate(token=token, slot=s10, now=at(8, 30))
    assert caught.value.extra["alternatives"] == [s11.pk]
    token.refresh_from_db()
    assert token.slot == s9
    assert TokenEvent.objects.count() == events


def test_it_never_displaces_to_make_room():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    paid = issue(day, "paid", slot=s9)
    walk_in = issue(day, "walk_in", slot=s10)
    with pytest.raises(errors.SlotFull):
        token_reallocate(token=paid, slot=s10, now=at(8, 30))
    walk_in.refresh_from_db()
    assert walk_in.slot == s10


def test_it_promotes_into_the_seat_left_behind():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    moving = issue(day, "paid", slot=s9)
    issue(day, "paid", slot=s10)
    waiting = issue(day, "online")
    Slot.objects.filter(pk=s10.pk).update(capacity=2)
    result = token_reallocate(token=moving, slot=s10, now=at(8, 30))
    waiting.refresh_from_db()
    assert waiting.slot == s9
    assert [m.token.pk for m in result.moved] == [waiting.pk]
    assert check_day(day) == []


def test_it_seats_a_waitlisted_token():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    issue(day, "paid", slot=s9)
    issue(day, "paid", slot=s10)
    waiting = issue(day, "walk_in")
    Slot.objects.filter(pk=s10.pk).update(capacity=2)
    token_reallocate(token=waiting, slot=s10, now=at(8, 30))
    waiting.refresh_from_db()
    # The walk-in is at the desk: it comes back checked in, not merely allocated.
    assert waiting.slot == s10
    assert waiting.status == Status.CHECKED_IN
    assert check_day(day) == []


def test_it_refuses_an_ended_slot(day):
    s9, _, _ = slots_of(day)
    token = issue(day, "online", slot=slots_of(day)[2])
    with pytest.raises(errors.SlotEnded):
        token_reallocate(token=token, slot=s9, now=at(10, 5))
    token.refresh_from_db()
    assert token.slot == slots_of(day)[2]


def test_it_refuses_a_closed_slot(day):
    _, s10, _ = slots_of(day)
    s10.closed = True
    s10.save()
    token = issue(day, "online")
    with pytest.raises(errors.SlotClosed):
        token_reallocate(token=token, slot=s10, now=at(8, 30))


def test_it_refuses_the_slot_the_token_already_holds(day):
    token = issue(day, "online")
    with pytest.raises(errors.InvalidRequest):
        token_reallocate(token=token, slot=token.slot, now=at(8, 30))


def test_it_refuses_a_slot_of_another_day(day):
    token = issue(day, "online")
    with pytest.raises(errors.InvalidRequest):
        token_reallocate(token=token, slot=slots_of(make_day(1))[0], now=at(8, 30))
    token.refresh_from_db()
    assert token.slot == slots_of(day)[0]


def test_it_refuses_a_token_in_consultation(day):
    _, s10, _ = slots_of(day)
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 5))
    with pytest.raises(errors.InvalidTransition):
        token_reallocate(token=token, slot=s10, now=at(9, 6))
    token.refresh_from_db()
    assert token.slot == slots_of(day)[0]


def test_it_refuses_a_cancelled_day(day):
    token = issue(day, "online")
    day.cancelled = True
    day.save()
    with pytest.raises(errors.DayCancelled):
        token_reallocate(token=token, slot=slots_of(day)[1], now=at(8, 30))


def test_a_reallocated_overbook_takes_a_regular_seat():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    issue(day, "emergency", slot=s9)
    overbook = issue(day, "emergency", slot=s9)
    token_reallocate(token=overbook, slot=s10, now=at(8, 30))
    overbook.refresh_from_db()
    assert overbook.slot == s10
    assert not overbook.overbooked
    assert occupancy(s10).overbooked_count == 0
    assert check_day(day) == []
