"""Read functions for pages and the API: occupancy, waitlist, calling order,
positions and estimated times. They never write and take no lock; a page may
be a moment stale, which the next refresh corrects."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from scheduling.models import DoctorDay, Slot
from tokens.models import CALLING_ORDER, SEAT_HOLDING, WAITLIST_ORDER, Status, Token

# Below this many finished consultations the slot's own pace (length ÷ capacity)
# is a better guess than an average of a handful.
MIN_OBSERVED_CONSULTATIONS = 3


@dataclass(frozen=True)
class Occupancy:
    capacity: int
    occupied: int
    overbooked: int

    @property
    def available(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def is_full(self) -> bool:
        return self.occupied >= self.capacity


def slot_occupancy(slot: Slot) -> Occupancy:
    occupied = Token.objects.filter(slot=slot, status__in=SEAT_HOLDING).count()
    overbooked = Token.objects.filter(slot=slot, status__in=SEAT_HOLDING, overbooked=True).count()
    return Occupancy(capacity=slot.capacity, occupied=occupied, overbooked=overbooked)


def day_slots(day: DoctorDay) -> list[Slot]:
    """The day's slots in time order, each annotated with ``occupied`` and
    ``overbooked_count``."""
    slots = list(Slot.objects.for_day(day).with_occupancy())
    for slot in slots:
        slot.day = day
    return slots


def day_waitlist(day: DoctorDay):
    """Waitlisted tokens in promotion order (priority, then request time)."""
    return Token.objects.for_day(day).waitlisted().select_related("patient")


def day_calling_order(day: DoctorDay):
    """Checked-in tokens in the order the doctor will call them (rule 9)."""
    return (
        Token.objects.for_day(day)
        .filter(status=Status.CHECKED_IN)
        .in_calling_order()
        .select_related("patient", "slot")
    )


def day_expected_queue(day: DoctorDay):
    """Everybody holding a seat who has not been called yet, in calling order."""
    return (
        Token.objects.for_day(day)
        .filter(status__in=EXPECTED)
        .in_calling_order()
        .select_related("patient", "slot")
    )


def day_now_serving(day: DoctorDay) -> Token | None:
    return (
        Token.objects.for_day(day)
        .filter(status=Status.IN_CONSULTATION)
        .select_related("patient", "slot")
        .first()
    )


# Seat holders not called yet (the expected queue), and the consultations that
# already used their share of their slot.
EXPECTED = (Status.ALLOCATED, Status.CHECKED_IN)
SEEN = (Status.COMPLETED, Status.IN_CONSULTATION)
_TIMED = Q(status=Status.COMPLETED, called_at__isnull=False, completed_at__isnull=False)


def _observed_aggregates() -> dict:
    length = ExpressionWrapper(F("completed_at") - F("called_at"), output_field=DurationField())
    return {
        "observed_n": Count("pk", filter=_TIMED),
        "observed_mean": Avg(length, filter=_TIMED),
    }


def _observed_minutes(row: dict) -> float | None:
    # Below MIN_OBSERVED_CONSULTATIONS the slot's own pace is the better guess.
    if row["observed_n"] < MIN_OBSERVED_CONSULTATIONS or not row["observed_mean"]:
        return None
    return row["observed_mean"].total_seconds() / 60


def day_consultation_minutes(day: DoctorDay) -> float | None:
    """Mean observed consultation length of the day, once enough are finished."""
    return _observed_minutes(Token.objects.for_day(day).aggregate(**_observed_aggregates()))


@dataclass(frozen=True)
class Placement:
    position: int | None
    estimated_time: dt.datetime | None


NO_PLACEMENT = Placement(position=None, estimated_time=None)


def _estimate(
    slot: Slot, seen_ahead: int, *, day: DoctorDay, observed: float | None, now
) -> dt.datetime:
    """Rule 9: slot start + the day's delay + seats of the slot used or queued
    ahead × pace (slot length ÷ capacity, or the observed mean); never before now."""
    slot.day = day
    pace = dt.timedelta(minutes=observed) if observed else slot.length / slot.capacity
    eta = slot.start_at + dt.timedelta(minutes=day.delay_minutes) + seen_ahead * pace
    return max(eta, now) if now is not None else eta


def day_placements(day: DoctorDay, *, now: dt.datetime | None = None) -> dict:
    """Position and estimated time of every active token of the day, by token id.

    Position: 1-based place in the day's expected queue (seat holders not yet
    called, in calling order); 0 while in consultation; place in the waitlist for
    waitlisted tokens. Estimated time: see ``_estimate``. Two queries, whatever
    the size of the day; ``token_placement`` gives the same answer for one token
    without reading the day's queue.
    """
    observed = day_consultation_minutes(day)
    tokens = list(
        Token.objects.for_day(day)
        .filter(status__in=(*EXPECTED, *SEEN, Status.WAITLISTED))
        .in_calling_order()
        .select_related("slot")
    )
    seen: dict[int, int] = {}
    for token in tokens:
        if token.status in SEEN:
            seen[token.slot_id] = seen.get(token.slot_id, 0) + 1
    result: dict = {}
    queue = (t for t in tokens if t.status in EXPECTED)
    for position, token in enumerate(queue, start=1):
        k = seen.get(token.slot_id, 0)
        seen[token.slot_id] = k + 1
        eta = _estimate(token.slot, k, day=day, observed=observed, now=now)
        result[token.pk] = Placement(position=position, estimated_time=eta)
    for token in tokens:
        if token.status == Status.IN_CONSULTATION:
            result[token.pk] = Placement(position=0, estimated_time=token.called_at)
    # Waitlisted tokens have no slot, so calling order ranks them by WAITLIST_ORDER.
    waitlist = (t for t in tokens if t.status == Status.WAITLISTED)
    for position, token in enumerate(waitlist, start=1):
        result[token.pk] = Placement(position=position, estimated_time=None)
    return result


def _ahead_of(token: Token, keys: tuple[str, ...]) -> Q:
    """Tokens that sort before ``token`` on ``keys`` (lexicographic, as ORDER BY)."""
    values = {
        "urgency": 0 if token.is_emergency else 1,
        "slot__start": token.slot.start if token.slot_id else None,
    }
    condition = Q(pk__in=[])  # nothing sorts before the last key's equal
    for key in reversed(keys):
        value = values[key] if key in values else getattr(token, key)
        condition = Q(**{f"{key}__lt": value}) | (Q(**{key: value}) & condition)
    return condition


def token_placement(token: Token, *, now: dt.datetime | None = None) -> Placement:
    """Position and estimated time of one token (None for finished tokens).

    The same answer as ``day_placements`` from one aggregate query that counts
    the tokens ahead, so its cost does not grow with the rows it would read."""
    if not token.is_active:
        return NO_PLACEMENT
    if token.status == Status.IN_CONSULTATION:
        return Placement(position=0, estimated_time=token.called_at)
    waiting = token.status == Status.WAITLISTED
    ahead = Q(status=Status.WAITLISTED) if waiting else Q(status__in=EXPECTED)
    ahead &= _ahead_of(token, WAITLIST_ORDER if waiting else CALLING_ORDER)
    counts = {"ahead": Count("pk", filter=ahead)}
    if not waiting:
        in_slot = Q(slot_id=token.slot_id) & (Q(status__in=SEEN) | ahead)
        counts |= {"seen_in_slot": Count("pk", filter=in_slot), **_observed_aggregates()}
    row = (
        Token.objects.filter(day_id=token.day_id)
        .with_urgency()
        # The day is re-read with the counts: a delay set since ``token`` was loaded shows.
        .values("day__date", "day__delay_minutes")
        .annotate(**counts)
        .get()
    )
    if waiting:
        return Placement(position=row["ahead"] + 1, estimated_time=None)
    day = DoctorDay(pk=token.day_id, date=row["day__date"], delay_minutes=row["day__delay_minutes"])
    eta = _estimate(
        token.slot, row["seen_in_slot"], day=day, observed=_observed_minutes(row), now=now
    )
    return Placement(position=row["ahead"] + 1, estimated_time=eta)
