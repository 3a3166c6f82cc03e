"""check_day reports each invariant of docs/allocation.md once the day is corrupted
behind the engine's back (queryset .update(), hand-written events)."""

import pytest
from django.db import IntegrityError

from tests.conftest import at
from tests.factories import issue, make_day, slots_of
from tokens.invariants import check_day
from tokens.models import EventKind, Status, Token, TokenEvent
from tokens.services import token_call, token_cancel, token_complete

pytestmark = pytest.mark.django_db


def _reported(day, invariant: str) -> list[str]:
    return [p for p in check_day(day) if p.startswith(invariant + ":")]


def _forge(token: Token, kind: str, *, to_status: str, to_slot=None, **kwargs) -> None:
    """Change a token with an event, as a buggy engine might, so I6 still holds."""
    last = token.events.order_by("pk").last()
    Token.objects.filter(pk=token.pk).update(status=to_status, slot=to_slot)
    TokenEvent.objects.create(
        token=token,
        day=token.day,
        kind=kind,
        from_status=last.to_status,
        to_status=to_status,
        from_slot=last.to_slot,
        to_slot=to_slot,
        at=at(8, 30),
        **kwargs,
    )


def test_a_busy_day_is_sound():
    day = make_day(1, 1)
    s9, _ = slots_of(day)
    walk_in = issue(day, "walk_in")
    paid = issue(day, "paid", slot=s9)
    issue(day, "emergency", slot=s9)
    issue(day, "online")
    token_cancel(token=paid, now=at(8, 30))
    token_call(token=walk_in, now=at(9, 0))
    token_complete(token=walk_in, now=at(9, 10))
    assert check_day(day) == []


def test_it_reports_an_overfilled_slot():
    day = make_day(1, 1)
    s9, _ = slots_of(day)
    issue(day, "paid", slot=s9)
    later = issue(day, "paid")
    Token.objects.filter(pk=later.pk).update(slot=s9)
    assert _reported(day, "I1") == [
        f"I1: slot {s9.label} holds 2 non-emergency tokens for capacity 1"
    ]


def test_it_accepts_a_flagged_emergency_overbook():
    day = make_day(1)
    issue(day, "paid")
    issue(day, "emergency")
    assert _reported(day, "I1") == []


def test_the_database_refuses_an_overbook_flag_on_a_non_emergency():
    day = make_day(1)
    token = issue(day, "paid")
    with pytest.raises(IntegrityError, match="token_only_emergency_overbooks"):
        Token.objects.filter(pk=token.pk).update(overbooked=True)


def test_it_reports_a_seat_in_another_days_slot():
    day = make_day(1)
    token = issue(day, "paid")
    Token.objects.filter(pk=token.pk).update(slot=slots_of(make_day(1))[0])
    assert any(f"I2: {token.number} is allocated without a slot" in p for p in check_day(day))


def test_it_reports_an_active_token_left_on_a_closed_day():
    day = make_day(1)
    token = issue(day, "paid")
    day.closed_at = at(13)
    day.save()
    assert _reported(day, "I2") == [
        f"I2: {token.number} is still allocated after the day was closed"
    ]


def test_it_reports_a_duplicate_displacement():
    day = make_day(1, 1, 1)
    s9, _, s11 = slots_of(day)
    online = issue(day, "online", slot=s9)
    paid = issue(day, "paid", slot=s9)  # online → 10
    _forge(online, EventKind.DISPLACED, to_status=Status.ALLOCATED, to_slot=s11, caused_by=paid)
    Token.objects.filter(pk=online.pk).update(displaced_count=2)
    assert _reported(day, "I3") == [f"I3: {online.number} was displaced 2 times"]
    assert _reported(day, "I6") == []


def test_it_reports_a_displacement_count_that_disagrees_with_the_events():
    day = make_day(1, 1)
    online = issue(day, "online")
    Token.objects.filter(pk=online.pk).update(displaced_count=1)
    assert _reported(day, "I3") == [f"I3: {online.number} counts 1 displacements, its events 0"]


def test_it_reports_a_displacement_by_equal_priority():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    first = issue(day, "online", slot=s9)
    second = issue(day, "online", slot=s10)
    _forge(first, EventKind.DISPLACED, to_status=Status.ALLOCATED, to_slot=s10, caused_by=second)
    Token.objects.filter(pk=first.pk).update(displaced_count=1)
    assert any("of no higher priority" in p for p in _reported(day, "I3"))


def test_it_reports_a_displacement_backwards_in_time():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    online = issue(day, "online", slot=s10)
    paid = issue(day, "paid", slot=s10)  # online → waitlist
    _forge(online, EventKind.PROMOTED, to_status=Status.ALLOCATED, to_slot=s10)
    _forge(online, EventKind.DISPLACED, to_status=Status.ALLOCATED, to_slot=s9, caused_by=paid)
    Token.objects.filter(pk=online.pk).update(displaced_count=2)
    assert f"I3: {online.number} was displaced backwards in time" in check_day(day)


def test_it_reports_a_forged_promotion_ahead_of_a_better_token():
    day = make_day(1, 1)
    issue(day, "paid")
    issue(day, "paid")
    walk_in = issue(day, "walk_in")
    follow_up = issue(day, "follow_up")
    _forge(walk_in, EventKind.PROMOTED, to_status=Status.CHECKED_IN, to_slot=slots_of(day)[0])
    assert _reported(day, "I4") == [
        f"I4: {walk_in.number} was promoted ahead of better waitlisted {follow_up.number}"
    ]


def test_the_database_refuses_a_duplicate_number():
    day = make_day(2)
    first, second = issue(day), issue(day)
    with pytest.raises(IntegrityError, match="token_unique_number_per_day"):
        Token.objects.filter(pk=second.pk).update(number=first.number)


def test_it_reports_a_number_that_does_not_match_its_sequence():
    day = make_day(2)
    token = issue(day)
    Token.objects.filter(pk=token.pk).update(number="XYZ-001")
    assert _reported(day, "I5") == ["I5: XYZ-001 does not match its sequence 1"]


def test_it_reports_a_sequence_beyond_the_counter():
    day = make_day(2)
    token = issue(day)
    Token.objects.filter(pk=token.pk).update(seq=7, number=f"{day.doctor.code}-007")
    assert _reported(day, "I5") == [
        f"I5: {day.doctor.code}-007 has sequence 7 beyond the day's counter 1 "
        "(a number could be reused)"
    ]


def test_it_reports_a_status_change_without_an_event():
    day = make_day(1)
    token = issue(day, "online")
    Token.objects.filter(pk=token.pk).update(status=Status.CHECKED_IN)
    assert _reported(day, "I6") == [
        f"I6: replaying {token.number}'s events gives "
        f"('allocated', {token.slot_id}), but it is checked_in/{token.slot_id}"
    ]


def test_it_reports_an_event_that_does_not_start_where_the_trail_left_off():
    day = make_day(1, 1)
    token = issue(day, "online")
    TokenEvent.objects.create(
        token=token,
        day=day,
        kind=EventKind.CHECKED_IN,
        from_status=Status.WAITLISTED,
        to_status=Status.ALLOCATED,
        to_slot=token.slot,
        at=at(8, 30),
    )
    assert any("starts from waitlisted/None" in p for p in _reported(day, "I6"))


def test_it_reports_a_token_without_an_issued_event():
    day = make_day(1)
    token = issue(day, "online")
    token.events.update(kind=EventKind.PROMOTED)
    assert f"I6: {token.number}'s first event is promoted, not issued" in check_day(day)
