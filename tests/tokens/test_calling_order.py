"""The doctor's live queue (rule 9): day_calling_order and token_call_next."""

import pytest

from tests.conftest import at
from tests.factories import issue, make_day, slots_of
from tokens import errors
from tokens.invariants import check_day
from tokens.models import EventKind, Status
from tokens.selectors import day_calling_order
from tokens.services import token_call, token_call_next, token_check_in

pytestmark = pytest.mark.django_db


def _numbers(day) -> list[str]:
    return [t.number for t in day_calling_order(day)]


def test_emergencies_come_first_whatever_their_slot():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    walk_in = issue(day, "walk_in", slot=s9)
    emergency = issue(day, "emergency", slot=s10)
    assert _numbers(day) == [emergency.number, walk_in.number]


def test_an_earlier_slot_comes_before_a_higher_priority():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    paid = issue(day, "paid", slot=s10)
    token_check_in(token=paid, now=at(8, 30))
    walk_in = issue(day, "walk_in", slot=s9)
    assert _numbers(day) == [walk_in.number, paid.number]


def test_within_a_slot_priority_comes_before_arrival():
    day = make_day(2)
    walk_in = issue(day, "walk_in", now=at(8, 0))
    online = issue(day, "online", now=at(8, 5))
    token_check_in(token=online, now=at(8, 50))
    assert _numbers(day) == [online.number, walk_in.number]


def test_among_equals_the_earlier_request_comes_first_not_the_earlier_check_in():
    day = make_day(2)
    first = issue(day, "online", now=at(8, 0))
    second = issue(day, "online", now=at(8, 5))
    token_check_in(token=second, now=at(8, 40))
    token_check_in(token=first, now=at(8, 50))
    assert _numbers(day) == [first.number, second.number]


def test_only_checked_in_tokens_are_in_the_calling_order():
    day = make_day(3)
    issue(day, "online")
    walk_in = issue(day, "walk_in")
    token_call(token=issue(day, "walk_in"), now=at(9, 5))
    assert _numbers(day) == [walk_in.number]


def test_call_next_calls_the_head_of_the_queue():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    issue(day, "walk_in", slot=s9)
    emergency = issue(day, "emergency", slot=s10)
    result = token_call_next(day=day, now=at(9, 2))
    emergency.refresh_from_db()
    assert result.token.pk == emergency.pk
    assert emergency.status == Status.IN_CONSULTATION
    assert emergency.events.last().kind == EventKind.CALLED
    assert check_day(day) == []


def test_call_next_refuses_an_empty_queue(day):
    issue(day, "online")  # allocated, not checked in
    with pytest.raises(errors.QueueEmpty):
        token_call_next(day=day, now=at(9, 2))


def test_call_next_refuses_while_a_consultation_is_open(day):
    first = issue(day, "walk_in")
    second = issue(day, "walk_in")
    token_call_next(day=day, now=at(9, 2))
    with pytest.raises(errors.ConsultationInProgress):
        token_call_next(day=day, now=at(9, 3))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.IN_CONSULTATION, Status.CHECKED_IN)
