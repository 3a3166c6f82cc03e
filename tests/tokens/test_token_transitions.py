"""Check-in, call, complete, cancel, no-show: the state machine of docs/allocation.md and
the promotions of rule 6."""

import datetime as dt

import pytest

from tests.conftest import at
from tests.factories import issue, make_day, occupancy, slots_of
from tokens import errors, services
from tokens.invariants import check_day
from tokens.models import EventKind, Status, Token, TokenEvent
from tokens.services import (
    token_available_actions,
    token_call,
    token_cancel,
    token_check_in,
    token_complete,
    token_issue,
    token_mark_no_show,
)

pytestmark = pytest.mark.django_db


def _token_in(status: str) -> Token:
    """A token of a fresh one-seat day brought to ``status`` through the engine."""
    day = make_day(1)
    if status == Status.WAITLISTED:
        issue(day, "paid")
        return issue(day, "online")
    token = issue(
        day, "walk_in" if status in ("checked_in", "in_consultation", "completed") else "online"
    )
    if status in (Status.IN_CONSULTATION, Status.COMPLETED):
        token_call(token=token, now=at(9, 5))
    if status == Status.COMPLETED:
        token_complete(token=token, now=at(9, 15))
    if status == Status.CANCELLED:
        token_cancel(token=token, now=at(8, 30))
    if status == Status.NO_SHOW:
        token_mark_no_show(token=token, now=at(9, 30))
    if status == Status.EXPIRED:
        Token.objects.filter(pk=token.pk).update(status=Status.EXPIRED)
    token.refresh_from_db()
    assert token.status == status
    return token


def _snapshot(token: Token) -> tuple:
    token.refresh_from_db()
    return (
        token.status,
        token.slot_id,
        token.checked_in_at,
        token.called_at,
        token.completed_at,
        token.cancelled_at,
        token.no_show_at,
        TokenEvent.objects.count(),
    )


ACTIONS = {
    "check_in": token_check_in,
    "call": token_call,
    "complete": token_complete,
    "cancel": token_cancel,
    "no_show": token_mark_no_show,
}

INVALID = [
    ("cancel", Status.COMPLETED),
    ("cancel", Status.IN_CONSULTATION),
    ("cancel", Status.CANCELLED),
    ("cancel", Status.NO_SHOW),
    ("cancel", Status.EXPIRED),
    ("no_show", Status.WAITLISTED),
    ("no_show", Status.COMPLETED),
    ("no_show", Status.CANCELLED),
    ("no_show", Status.NO_SHOW),
    ("complete", Status.ALLOCATED),
    ("complete", Status.CHECKED_IN),
    ("complete", Status.WAITLISTED),
    ("complete", Status.COMPLETED),
    ("complete", Status.CANCELLED),
    ("check_in", Status.CHECKED_IN),
    ("check_in", Status.WAITLISTED),
    ("check_in", Status.IN_CONSULTATION),
    ("check_in", Status.COMPLETED),
    ("check_in", Status.CANCELLED),
    ("check_in", Status.NO_SHOW),
    ("call", Status.ALLOCATED),
    ("call", Status.WAITLISTED),
    ("call", Status.IN_CONSULTATION),
    ("call", Status.COMPLETED),
    ("call", Status.CANCELLED),
    ("call", Status.NO_SHOW),
    ("call", Status.EXPIRED),
]


@pytest.mark.parametrize(("action", "status"), INVALID, ids=[f"{a}-{s}" for a, s in INVALID])
def test_it_refuses_an_invalid_transition_and_changes_nothing(action, status):
    token = _token_in(status)
    before = _snapshot(token)
    with pytest.raises(errors.InvalidTransition) as caught:
        ACTIONS[action](token=token, now=at(9, 40))
    assert caught.value.extra["status"] == status
    assert _snapshot(token) == before


# --------------------------------------------------------------------------- valid steps


def test_it_checks_in_an_allocated_token(day):
    token = issue(day, "online")
    token_check_in(token=token, now=at(8, 50))
    token.refresh_from_db()
    assert token.status == Status.CHECKED_IN
    assert token.checked_in_at == at(8, 50)
    assert check_day(day) == []


def test_it_calls_a_checked_in_token(day):
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 5))
    token.refresh_from_db()
    assert token.status == Status.IN_CONSULTATION
    assert token.called_at == at(9, 5)
    assert check_day(day) == []


def test_a_completed_token_keeps_its_seat(day):
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 5))
    token_complete(token=token, now=at(9, 20))
    token.refresh_from_db()
    assert token.status == Status.COMPLETED
    assert token.completed_at == at(9, 20)
    assert occupancy(token.slot).occupied == 1
    assert check_day(day) == []


def test_it_cancels_with_the_reason_kept(day):
    token = issue(day, "online")
    token_cancel(token=token, now=at(8, 30), reason="Patient phoned")
    token.refresh_from_db()
    assert token.status == Status.CANCELLED
    assert token.cancel_reason == "Patient phoned"
    assert token.cancelled_at == at(8, 30)
    assert occupancy(token.slot).occupied == 0


def test_it_marks_a_no_show(day):
    token = issue(day, "online")
    token_mark_no_show(token=token, now=at(9, 30))
    token.refresh_from_db()
    assert token.status == Status.NO_SHOW
    assert token.no_show_at == at(9, 30)
    assert occupancy(token.slot).occupied == 0


def test_it_cancels_a_waitlisted_token():
    token = _token_in(Status.WAITLISTED)
    token_cancel(token=token, now=at(8, 30))
    token.refresh_from_db()
    assert token.status == Status.CANCELLED
    assert token.slot is None
    assert check_day(token.day) == []


def test_it_refuses_a_call_while_another_is_in_consultation(day):
    first, second = issue(day, "walk_in"), issue(day, "walk_in")
    token_call(token=first, now=at(9, 5))
    before = _snapshot(second)
    with pytest.raises(errors.ConsultationInProgress) as caught:
        token_call(token=second, now=at(9, 6))
    assert caught.value.extra["current"] == str(first.id)
    assert _snapshot(second) == before


def test_a_consultation_of_another_doctor_does_not_block_a_call(day):
    token_call(token=issue(make_day(1), "walk_in"), now=at(9, 5))
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 6))
    token.refresh_from_db()
    assert token.status == Status.IN_CONSULTATION


def test_it_refuses_changes_after_the_day_is_closed(day):
    token = issue(day, "online")
    day.closed_at = at(13)
    day.save()
    with pytest.raises(errors.DayClosed):
        token_cancel(token=token, now=at(13, 5))
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("action", "kind", "before", "after"),
    [
        ("check_in", EventKind.CHECKED_IN, Status.ALLOCATED, Status.CHECKED_IN),
        ("call", EventKind.CALLED, Status.CHECKED_IN, Status.IN_CONSULTATION),
        ("complete", EventKind.COMPLETED, Status.IN_CONSULTATION, Status.COMPLETED),
        ("cancel", EventKind.CANCELLED, Status.ALLOCATED, Status.CANCELLED),
        ("no_show", EventKind.NO_SHOW, Status.CHECKED_IN, Status.NO_SHOW),
    ],
)
def test_every_transition_writes_an_event(action, kind, before, after):
    token = _token_in(before)
    ACTIONS[action](token=token, now=at(9, 40))
    event = token.events.order_by("pk").last()
    assert event.kind == kind
    assert (event.from_status, event.to_status) == (before, after)
    assert event.from_slot_id == token.slot_id
    assert event.at == at(9, 40)
    assert check_day(token.day) == []


def test_a_failing_event_write_rolls_the_change_back(monkeypatch):
    day = make_day(1)
    seated = issue(day, "online")
    waiting = issue(day, "online")
    real_record = services._record

    def record(token, kind, **kwargs):
        if kind == EventKind.PROMOTED:
            raise RuntimeError("event log down")
        return real_record(token, kind, **kwargs)

    monkeypatch.setattr(services, "_record", record)
    with pytest.raises(RuntimeError):
        token_cancel(token=seated, now=at(8, 30))
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == (Status.ALLOCATED, Status.WAITLISTED)
    assert TokenEvent.objects.filter(kind=EventKind.CANCELLED).count() == 0


# --------------------------------------------------------------------------- rule 6


def test_a_cancellation_promotes_the_highest_priority_waitlisted_token():
    day = make_day(1)
    seated = issue(day, "paid", now=at(8, 0))
    walk_in = issue(day, "walk_in", now=at(8, 5))
    follow_up = issue(day, "follow_up", now=at(8, 10))
    result = token_cancel(token=seated, now=at(8, 30))
    walk_in.refresh_from_db()
    follow_up.refresh_from_db()
    assert follow_up.slot == slots_of(day)[0]
    assert walk_in.status == Status.WAITLISTED
    assert [(m.token.pk, m.kind) for m in result.moved] == [(follow_up.pk, EventKind.PROMOTED)]
    assert check_day(day) == []


def test_among_equals_the_earliest_request_is_promoted():
    day = make_day(1)
    bumped = issue(day, "online", now=at(8, 0))
    waiting = issue(day, "online", now=at(8, 5))
    paid = issue(day, "paid", now=at(8, 10))  # bumps the 08:00 token to the waitlist
    token_cancel(token=paid, now=at(8, 30))
    bumped.refresh_from_db()
    waiting.refresh_from_db()
    # Waitlisted later, but requested earlier: the request time counts.
    assert bumped.status == Status.ALLOCATED
    assert waiting.status == Status.WAITLISTED
    assert check_day(day) == []


def test_a_no_show_promotes_the_best_waitlisted_token():
    day = make_day(1)
    seated = issue(day, "online")
    waiting = issue(day, "online")
    token_mark_no_show(token=seated, now=at(9, 20))
    waiting.refresh_from_db()
    assert waiting.status == Status.ALLOCATED
    assert waiting.slot == slots_of(day)[0]
    assert check_day(day) == []


def test_a_promotion_writes_an_event():
    day = make_day(1)
    seated = issue(day, "online")
    waiting = issue(day, "online")
    token_cancel(token=seated, now=at(8, 30))
    event = waiting.events.get(kind=EventKind.PROMOTED)
    assert (event.from_status, event.to_status) == (Status.WAITLISTED, Status.ALLOCATED)
    assert (event.from_slot, event.to_slot) == (None, slots_of(day)[0])
    assert event.at == at(8, 30)


def test_cancelling_a_waitlisted_token_promotes_nobody():
    day = make_day(1)
    issue(day, "online")
    first = issue(day, "online")
    second = issue(day, "online")
    result = token_cancel(token=first, now=at(8, 30))
    second.refresh_from_db()
    assert result.moved == []
    assert second.status == Status.WAITLISTED


def test_completing_a_consultation_promotes_nobody():
    day = make_day(1)
    seated = issue(day, "paid")
    waiting = issue(day, "online")
    token_check_in(token=seated, now=at(9, 0))
    token_call(token=seated, now=at(9, 5))
    token_complete(token=seated, now=at(9, 15))
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED


def test_an_overbooked_slot_absorbs_its_overbook_before_promoting():
    day = make_day(1)
    first = issue(day, "emergency")
    overbook = issue(day, "emergency")
    waiting = issue(day, "online")
    token_cancel(token=first, now=at(8, 30))
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED
    token_cancel(token=overbook, now=at(8, 40))
    waiting.refresh_from_db()
    assert waiting.status == Status.ALLOCATED
    assert check_day(day) == []


def test_no_promotion_into_an_ended_slot():
    day = make_day(1, 1)
    early = issue(day, "online")
    issue(day, "online")
    waiting = issue(day, "online")
    result = token_mark_no_show(token=early, now=at(10, 30))
    waiting.refresh_from_db()
    assert result.moved == []
    assert waiting.status == Status.WAITLISTED
    assert check_day(day) == []


def test_a_displaced_walk_in_comes_back_checked_in():
    day = make_day(1)
    walk_in = issue(day, "walk_in")
    paid = issue(day, "paid")
    walk_in.refresh_from_db()
    assert walk_in.status == Status.WAITLISTED
    token_cancel(token=paid, now=at(8, 30))
    walk_in.refresh_from_db()
    assert walk_in.status == Status.CHECKED_IN
    assert walk_in.events.get(kind=EventKind.PROMOTED).to_status == Status.CHECKED_IN
    assert check_day(day) == []


def test_a_promoted_booking_comes_back_allocated():
    day = make_day(1)
    seated = issue(day, "paid")
    waiting = issue(day, "online")
    token_cancel(token=seated, now=at(8, 30))
    waiting.refresh_from_db()
    assert waiting.status == Status.ALLOCATED
    assert waiting.checked_in_at is None


def test_a_walk_in_for_a_later_day_is_allocated_not_present(patient, morning):
    day = make_day(2)  # DAY, later than the morning before it
    token = token_issue(
        day=day, patient=patient, source="walk_in", now=morning - dt.timedelta(days=1)
    ).token
    assert token.status == Status.ALLOCATED and token.checked_in_at is None
    assert token.rank == 5


def test_it_refuses_a_check_in_before_the_tokens_day(patient, morning):
    day = make_day(2)
    token = token_issue(
        day=day, patient=patient, source="online", now=morning - dt.timedelta(days=1)
    ).token
    with pytest.raises(errors.NotTokenDay):
        token_check_in(token=token, now=morning - dt.timedelta(days=1))
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED
    assert "check_in" not in token_available_actions(token, now=morning - dt.timedelta(days=1))
    assert "check_in" in token_available_actions(token, now=morning)
