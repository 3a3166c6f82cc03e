"""token_issue: rules 1–5 and 10 of docs/allocation.md, one rule per test."""

import pytest

from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day, occupancy, slots_of
from tokens import errors
from tokens.invariants import check_day
from tokens.models import EventKind, Status, Token
from tokens.services import token_cancel, token_issue

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------- rules 1–2


def test_it_allocates_a_free_seat_in_the_earliest_slot(day, patient, morning):
    result = token_issue(day=day, patient=patient, source="online", now=morning)
    result.token.refresh_from_db()
    assert result.token.status == Status.ALLOCATED
    assert result.token.slot == slots_of(day)[0]
    assert result.token.requested_slot == slots_of(day)[0]
    assert not result.slot_differs
    assert result.moved == []
    assert check_day(day) == []


def test_it_allocates_the_preferred_slot(day, patient, morning):
    s11 = slots_of(day)[2]
    token = token_issue(day=day, patient=patient, source="paid", slot=s11, now=morning).token
    token.refresh_from_db()
    assert token.slot == s11
    assert token.status == Status.ALLOCATED


def test_it_skips_slots_that_have_ended(day, patient):
    token = token_issue(day=day, patient=patient, source="online", now=at(10, 15)).token
    token.refresh_from_db()
    # 09–10 has ended; 10–11 is under way and still takes patients.
    assert token.slot == slots_of(day)[1]


def test_it_skips_closed_slots_without_a_preference(day, patient, morning):
    s9, s10, _ = slots_of(day)
    s9.closed = True
    s9.save()
    token = token_issue(day=day, patient=patient, source="online", now=morning).token
    assert token.slot == s10


@pytest.mark.parametrize("source", ["walk_in", "emergency"])
def test_patients_at_the_desk_are_issued_checked_in(day, patient, morning, source):
    token = token_issue(day=day, patient=patient, source=source, now=morning).token
    token.refresh_from_db()
    assert token.status == Status.CHECKED_IN
    assert token.checked_in_at == morning


@pytest.mark.parametrize("source", ["paid", "follow_up", "online"])
def test_booked_patients_are_issued_allocated(day, patient, morning, source):
    token = token_issue(day=day, patient=patient, source=source, now=morning).token
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED
    assert token.checked_in_at is None


def test_it_writes_an_issued_event(day, patient, morning):
    token = token_issue(day=day, patient=patient, source="online", now=morning).token
    [event] = token.events.all()
    assert event.kind == EventKind.ISSUED
    assert (event.from_status, event.to_status) == ("", Status.ALLOCATED)
    assert (event.from_slot, event.to_slot) == (None, slots_of(day)[0])
    assert event.at == morning


# --------------------------------------------------------------------------- rule 3


def test_it_displaces_the_lowest_priority_token():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    walk_in = issue(day, "walk_in")
    online = issue(day, "online")
    paid = issue(day, "paid", slot=s9)
    walk_in.refresh_from_db()
    online.refresh_from_db()
    assert paid.slot == s9
    assert walk_in.slot == s10
    assert online.slot == s9
    assert check_day(day) == []


def test_it_displaces_the_latest_walk_in():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    first = issue(day, "walk_in", now=at(8, 0))
    second = issue(day, "walk_in", now=at(8, 5))
    issue(day, "follow_up", slot=s9, now=at(8, 10))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.slot == s9
    assert second.slot == s10


def test_the_displaced_token_moves_to_the_earliest_later_slot_with_room():
    day = make_day(1, 1, 1, 1)
    _, s10, s11, s12 = slots_of(day)
    online = issue(day, "online", slot=s10)
    issue(day, "online", slot=s11)
    result = token_issue(day=day, patient=PatientFactory(), source="paid", slot=s10, now=at(8))
    online.refresh_from_db()
    # 09 is free but earlier; 11 is full; 12 is the earliest later slot with room.
    assert online.slot == s12
    assert online.displaced_count == 1
    assert [(m.token.pk, m.from_slot, m.to_slot) for m in result.moved] == [(online.pk, s10, s12)]
    assert check_day(day) == []


def test_the_displaced_token_is_waitlisted_when_no_later_slot_has_room():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    online = issue(day, "online", slot=s10)
    issue(day, "paid", slot=s10)
    online.refresh_from_db()
    # 09 has a free seat, but a displaced token only moves forward in time.
    assert online.status == Status.WAITLISTED
    assert online.slot is None
    assert occupancy(s9).occupied == 0
    assert check_day(day) == []


def test_a_displaced_walk_in_stays_checked_in():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    walk_in = issue(day, "walk_in")
    issue(day, "paid", slot=s9)
    walk_in.refresh_from_db()
    assert walk_in.slot == s10
    assert walk_in.status == Status.CHECKED_IN


def test_a_displacement_writes_an_event_naming_its_cause():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    online = issue(day, "online")
    paid = issue(day, "paid", slot=s9)
    event = online.events.get(kind=EventKind.DISPLACED)
    assert (event.from_slot, event.to_slot) == (s9, s10)
    assert (event.from_status, event.to_status) == (Status.ALLOCATED, Status.ALLOCATED)
    assert event.caused_by == paid


def test_nobody_is_displaced_twice():
    day = make_day(1, 1, 1)
    s9, s10, s11 = slots_of(day)
    online = issue(day, "online", slot=s9)
    issue(day, "paid", slot=s9)  # online → 10
    follow_up = issue(day, "follow_up", slot=s10)
    online.refresh_from_db()
    follow_up.refresh_from_db()
    assert online.slot == s10
    assert online.displaced_count == 1
    assert follow_up.slot == s11
    assert check_day(day) == []


def test_a_higher_max_displacements_allows_a_second_bump(settings):
    settings.OPD_MAX_DISPLACEMENTS = 2
    day = make_day(1, 1, 1)
    s9, s10, s11 = slots_of(day)
    online = issue(day, "online", slot=s9)
    issue(day, "paid", slot=s9)
    issue(day, "follow_up", slot=s10)
    online.refresh_from_db()
    assert online.slot == s11
    assert online.displaced_count == 2
    assert check_day(day) == []


def test_a_displacement_never_cascades():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    online = issue(day, "online", slot=s9)
    walk_in = issue(day, "walk_in", slot=s10)
    issue(day, "paid", slot=s9)
    online.refresh_from_db()
    walk_in.refresh_from_db()
    # The displaced online token outranks the walk-in but does not bump it.
    assert online.status == Status.WAITLISTED
    assert walk_in.slot == s10
    assert walk_in.displaced_count == 0
    assert check_day(day) == []


def test_equal_priority_never_displaces():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    first = issue(day, "online", slot=s9)
    result = token_issue(day=day, patient=PatientFactory(), source="online", slot=s9, now=at(8))
    first.refresh_from_db()
    assert first.slot == s9
    assert first.displaced_count == 0
    assert result.token.slot == s10
    assert result.moved == []


def test_lower_priority_never_displaces():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    paid = issue(day, "paid", slot=s9)
    walk_in = issue(day, "walk_in", slot=s9)
    paid.refresh_from_db()
    assert paid.slot == s9
    assert walk_in.slot == s10


def test_a_token_in_consultation_is_not_displaced():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    walk_in = issue(day, "walk_in")
    Token.objects.filter(pk=walk_in.pk).update(status=Status.IN_CONSULTATION)
    paid = issue(day, "paid", slot=s9)
    walk_in.refresh_from_db()
    assert walk_in.slot == s9
    assert paid.slot == s10


# --------------------------------------------------------------------------- rule 4


def test_it_falls_through_to_a_later_slot_when_nobody_can_be_displaced():
    day = make_day(1, 1, 1)
    s9, s10, s11 = slots_of(day)
    issue(day, "paid", slot=s9)
    issue(day, "paid", slot=s10)
    result = token_issue(day=day, patient=PatientFactory(), source="online", slot=s9, now=at(8))
    result.token.refresh_from_db()
    assert result.token.slot == s11
    assert result.token.requested_slot == s9
    assert result.slot_differs
    assert check_day(day) == []


def test_it_waitlists_when_no_slot_has_room():
    day = make_day(1)
    issue(day, "paid")
    result = token_issue(day=day, patient=PatientFactory(), source="online", now=at(8))
    result.token.refresh_from_db()
    assert result.token.status == Status.WAITLISTED
    assert result.token.slot is None
    assert result.slot_differs
    assert check_day(day) == []


def test_strict_refuses_a_full_slot_and_names_the_alternatives():
    day = make_day(1, 1, 2)
    s9, s10, s11 = slots_of(day)
    issue(day, "paid", slot=s9)
    issue(day, "paid", slot=s10)
    with pytest.raises(errors.SlotFull) as caught:
        issue(day, "online", slot=s9, strict=True)
    assert caught.value.extra["alternatives"] == [s11.pk]
    assert Token.objects.count() == 2
    day.refresh_from_db()
    assert day.token_counter == 2


def test_strict_alternatives_leave_out_ended_slots():
    day = make_day(1, 1, 1)
    _, s10, s11 = slots_of(day)
    issue(day, "paid", slot=s10, now=at(8))
    with pytest.raises(errors.SlotFull) as caught:
        issue(day, "online", slot=s10, strict=True, now=at(10, 30))
    assert caught.value.extra["alternatives"] == [s11.pk]


def test_strict_still_takes_the_slot_by_displacement():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    walk_in = issue(day, "walk_in", slot=s9)
    paid = issue(day, "paid", slot=s9, strict=True)
    walk_in.refresh_from_db()
    assert paid.slot == s9
    assert walk_in.slot == s10


# --------------------------------------------------------------------------- rule 5


def test_an_emergency_takes_a_free_seat():
    day = make_day(2)
    emergency = issue(day, "emergency")
    emergency.refresh_from_db()
    assert emergency.slot == slots_of(day)[0]
    assert not emergency.overbooked
    assert occupancy(emergency.slot).overbooked_count == 0


def test_an_emergency_displaces_before_overbooking():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    paid = issue(day, "paid", slot=s9)
    emergency = issue(day, "emergency", slot=s9)
    paid.refresh_from_db()
    assert emergency.slot == s9
    assert not emergency.overbooked
    assert paid.slot == s10
    assert check_day(day) == []


def test_an_emergency_overbooks_when_nobody_can_be_displaced():
    day = make_day(1, 1)
    s9, _ = slots_of(day)
    issue(day, "emergency", slot=s9)
    emergency = issue(day, "emergency", slot=s9)
    emergency.refresh_from_db()
    assert emergency.slot == s9
    assert emergency.overbooked
    slot = occupancy(s9)
    assert (slot.capacity, slot.occupied, slot.overbooked_count) == (1, 2, 1)
    assert emergency.events.get().reason == "Emergency overbooked the slot."
    assert check_day(day) == []


def test_an_emergency_overbooks_rather_than_bump_a_twice_displaced_token():
    day = make_day(1, 1)
    s9, s10 = slots_of(day)
    online = issue(day, "online", slot=s9)
    issue(day, "paid", slot=s9)  # online → 10, displaced once
    emergency = issue(day, "emergency", slot=s10)
    online.refresh_from_db()
    assert online.slot == s10
    assert emergency.overbooked
    assert check_day(day) == []


def test_an_emergency_is_never_waitlisted_even_when_strict():
    day = make_day(1)
    issue(day, "emergency")
    emergency = issue(day, "emergency", strict=True)
    emergency.refresh_from_db()
    assert emergency.status == Status.CHECKED_IN
    assert emergency.overbooked
    assert Token.objects.filter(status=Status.WAITLISTED).count() == 0


def test_only_emergencies_overbook():
    day = make_day(1)
    issue(day, "emergency")
    paid = issue(day, "paid")
    assert paid.status == Status.WAITLISTED
    assert not paid.overbooked


# --------------------------------------------------------------------------- refusals


def test_it_refuses_an_ended_slot(day, patient):
    with pytest.raises(errors.SlotEnded):
        token_issue(day=day, patient=patient, source="paid", slot=slots_of(day)[0], now=at(10))
    assert Token.objects.count() == 0


def test_it_refuses_a_closed_slot(day, patient, morning):
    s9 = slots_of(day)[0]
    s9.closed = True
    s9.save()
    with pytest.raises(errors.SlotClosed):
        token_issue(day=day, patient=patient, source="paid", slot=s9, now=morning)
    assert Token.objects.count() == 0


def test_it_refuses_a_cancelled_day(day, patient, morning):
    day.cancelled = True
    day.save()
    with pytest.raises(errors.DayCancelled):
        token_issue(day=day, patient=patient, source="emergency", now=morning)
    assert Token.objects.count() == 0


def test_it_refuses_when_no_live_slot_is_left(day, patient):
    with pytest.raises(errors.NoOpenSlot):
        token_issue(day=day, patient=patient, source="emergency", now=at(12))
    day.refresh_from_db()
    assert day.token_counter == 0


def test_it_refuses_a_slot_of_another_day(day, patient, morning):
    other = slots_of(make_day(2))[0]
    with pytest.raises(errors.InvalidRequest):
        token_issue(day=day, patient=patient, source="paid", slot=other, now=morning)
    assert Token.objects.count() == 0


def test_it_refuses_an_unknown_source(day, patient, morning):
    with pytest.raises(errors.InvalidRequest):
        token_issue(day=day, patient=patient, source="vip", now=morning)
    assert Token.objects.count() == 0


# --------------------------------------------------------------------------- rule 10


def test_it_refuses_a_second_active_token_for_the_same_phone(day, patient, morning):
    first = token_issue(day=day, patient=patient, source="online", now=morning).token
    with pytest.raises(errors.DuplicateToken) as caught:
        token_issue(day=day, patient=patient, source="walk_in", now=morning)
    assert caught.value.extra["id"] == str(first.id)
    assert caught.value.extra["number"] == first.number
    assert Token.objects.count() == 1


def test_a_waitlisted_token_also_blocks_a_duplicate(patient, morning):
    day = make_day(1)
    issue(day, "paid")
    waitlisted = token_issue(day=day, patient=patient, source="online", now=morning).token
    with pytest.raises(errors.DuplicateToken) as caught:
        token_issue(day=day, patient=patient, source="online", now=morning)
    assert caught.value.extra["id"] == str(waitlisted.id)


def test_it_allows_a_new_token_after_the_first_is_cancelled(day, patient, morning):
    first = token_issue(day=day, patient=patient, source="online", now=morning).token
    token_cancel(token=first, now=morning)
    second = token_issue(day=day, patient=patient, source="online", now=morning).token
    assert second.pk != first.pk
    assert second.status == Status.ALLOCATED
    assert check_day(day) == []


def test_it_allows_the_same_patient_with_another_doctor(day, patient, morning):
    token_issue(day=day, patient=patient, source="online", now=morning)
    other_day = make_day(2)
    token = token_issue(day=other_day, patient=patient, source="online", now=morning).token
    assert token.status == Status.ALLOCATED
    assert Token.objects.filter(patient=patient).count() == 2


# --------------------------------------------------------------------------- numbers (I5)


def test_it_numbers_tokens_with_the_doctor_code(day):
    first, second = issue(day), issue(day)
    code = day.doctor.code
    assert (first.number, second.number) == (f"{code}-001", f"{code}-002")
    assert (first.seq, second.seq) == (1, 2)


def test_numbers_are_never_reused_after_a_cancellation(day, morning):
    first = issue(day)
    second = issue(day)
    token_cancel(token=second, now=morning)
    token_cancel(token=first, now=morning)
    third = issue(day)
    assert third.number == f"{day.doctor.code}-003"
    day.refresh_from_db()
    assert day.token_counter == 3
    assert check_day(day) == []


def test_a_refused_request_uses_no_number(day, patient, morning):
    issue(day, patient=patient)
    with pytest.raises(errors.DuplicateToken):
        issue(day, patient=patient)
    assert issue(day).number == f"{day.doctor.code}-002"


def test_numbers_count_per_doctor_day(day):
    other = make_day(2)
    issue(day)
    assert issue(other).number == f"{other.doctor.code}-001"
