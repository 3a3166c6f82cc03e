"""The invariant checker of docs/allocation.md (I1–I6) for one doctor-day.

Any code may call ``check_day``: the tests after every step, the simulation at
the end of its day, the benchmarks after a run. It only reads. It returns the
violations found as readable strings, each starting with the invariant's name;
an empty list means the day is sound.
"""

from collections import Counter

from django.conf import settings

from scheduling.models import DoctorDay
from tokens.models import ACTIVE, SEAT_HOLDING, EventKind, Source, Status, Token, TokenEvent
from tokens.selectors import day_slots


def check_day(day: DoctorDay) -> list[str]:
    """Every violation of I1–I6 on ``day``; empty when the day is sound."""
    day = DoctorDay.objects.select_related("doctor").get(pk=day.pk)
    slots = {slot.pk: slot for slot in day_slots(day)}
    tokens = {t.pk: t for t in Token.objects.for_day(day)}
    problems: list[str] = []
    problems += _check_capacity(slots, tokens)
    problems += _check_states(day, slots, tokens)
    problems += _check_numbers(day, tokens)
    problems += _check_history(day, slots, tokens)
    return problems


def _check_capacity(slots, tokens) -> list[str]:
    problems = []
    for slot in slots.values():
        regular = slot.occupied - slot.overbooked_count
        if regular > slot.capacity:
            problems.append(
                f"I1: slot {slot.label} holds {regular} non-emergency tokens "
                f"for capacity {slot.capacity}"
            )
    for token in tokens.values():
        if token.overbooked and token.source != Source.EMERGENCY:
            problems.append(f"I1: {token.number} is flagged overbooked but is not an emergency")
    return problems


def _check_states(day, slots, tokens) -> list[str]:
    problems = []
    for token in tokens.values():
        if token.status not in Status.values:
            problems.append(f"I2: {token.number} has unknown status {token.status!r}")
        if token.status in SEAT_HOLDING and token.slot_id not in slots:
            problems.append(f"I2: {token.number} is {token.status} without a slot of this day")
        if token.status == Status.WAITLISTED and token.slot_id is not None:
            problems.append(f"I2: {token.number} is waitlisted but holds a slot")
        if day.closed_at is not None and token.status in ACTIVE:
            problems.append(f"I2: {token.number} is still {token.status} after the day was closed")
    return problems


def _check_numbers(day, tokens) -> list[str]:
    problems = []
    numbers = Counter(t.number for t in tokens.values())
    problems += [f"I5: number {n} is used {c} times" for n, c in numbers.items() if c > 1]
    for token in tokens.values():
        if token.seq > day.token_counter:
            problems.append(
                f"I5: {token.number} has sequence {token.seq} beyond the day's "
                f"counter {day.token_counter} (a number could be reused)"
            )
        if token.number != f"{day.doctor.code}-{token.seq:03d}":
            problems.append(f"I5: {token.number} does not match its sequence {token.seq}")
    return problems


def _priority(token: Token) -> tuple:
    return (token.rank, token.requested_at, token.seq)


def _check_history(day, slots, tokens) -> list[str]:
    """Replay the event trail: I3 (displacements), I4 (promotions), I6 (replay)."""
    problems = []
    state: dict = {}
    displaced: Counter = Counter()
    for event in TokenEvent.objects.filter(day=day).order_by("pk"):
        token = tokens.get(event.token_id)
        if token is None:
            problems.append(f"I6: event {event.pk} names a token of another day")
            continue
        before = state.get(token.pk)
        if before is None and event.kind != EventKind.ISSUED:
            problems.append(f"I6: {token.number}'s first event is {event.kind}, not issued")
        if before is not None and before != (event.from_status, event.from_slot_id):
            problems.append(
                f"I6: {token.number} event {event.kind} starts from "
                f"{event.from_status}/{event.from_slot_id}, "
                f"but the trail had {before[0]}/{before[1]}"
            )
        if event.kind == EventKind.DISPLACED:
            displaced[token.pk] += 1
            problems += _check_displacement(event, token, tokens, slots)
        if event.kind == EventKind.PROMOTED:
            better = [
                other.number
                for other_id, (status, _) in state.items()
                if status == Status.WAITLISTED
                and other_id != token.pk
                and _priority(other := tokens[other_id]) < _priority(token)
            ]
            if better:
                problems.append(
                    f"I4: {token.number} was promoted ahead of better waitlisted "
                    + ", ".join(better)
                )
        state[token.pk] = (event.to_status, event.to_slot_id)

    for token in tokens.values():
        if state.get(token.pk) != (token.status, token.slot_id):
            problems.append(
                f"I6: replaying {token.number}'s events gives {state.get(token.pk)}, "
                f"but it is {token.status}/{token.slot_id}"
            )
        if displaced[token.pk] != token.displaced_count:
            problems.append(
                f"I3: {token.number} counts {token.displaced_count} displacements, "
                f"its events {displaced[token.pk]}"
            )
        if displaced[token.pk] > settings.OPD_MAX_DISPLACEMENTS:
            problems.append(f"I3: {token.number} was displaced {displaced[token.pk]} times")
    return problems


def _check_displacement(event, token, tokens, slots) -> list[str]:
    problems = []
    by = tokens.get(event.caused_by_id)
    if by is None or by.rank >= token.rank:
        problems.append(
            f"I3: {token.number} was displaced by "
            f"{by.number if by else 'nobody'} of no higher priority"
        )
    origin, target = slots.get(event.from_slot_id), slots.get(event.to_slot_id)
    if target is not None and (origin is None or target.start <= origin.start):
        problems.append(f"I3: {token.number} was displaced backwards in time")
    return problems
