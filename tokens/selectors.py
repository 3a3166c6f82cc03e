"""Read functions for pages and the API: occupancy, waitlist, calling order,
positions and estimated times. They never write and take no lock; a page may
be a moment stale, which the next refresh corrects."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F

from scheduling.models import DoctorDay, Slot
from tokens.models import SEAT_HOLDING, Status, Token

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
        .filter(status__in=(Status.ALLOCATED, Status.CHECKED_IN))
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


def day_consultation_minutes(day: DoctorDay) -> float | None:
    """Mean observed consultation length of the day, once enough are finished."""
    done = Token.objects.for_day(day).filter(
        status=Status.COMPLETED, called_at__isnull=False, completed_at__isnull=False
    )
    if done.count() < MIN_OBSERVED_CONSULTATIONS:
        return None
    mean = done.aggregate(
        m=Avg(ExpressionWrapper(F("completed_at") - F("called_at"), output_field=DurationField()))
    )["m"]
    return mean.total_seconds() / 60 if mean else None


@dataclass(frozen=True)
class Placement:
    position: int | None
    estimated_time: dt.datetime | None


def day_placements(day: DoctorDay, *, now: dt.datetime | None = None) -> dict:
    """Position and estimated time of every active token of the day, by token id.

    Position: 1-based place in the day's expected queue (seat holders not yet
    called, in calling order); 0 while in consultation; place in the waitlist for
    waitlisted tokens. Estimated time (rule 9): slot start + the day's delay +
    (seats of that slot used or queued ahead) × pace, where pace is slot length ÷
    capacity, or the observed mean consultation once known; never before ``now``.
    """
    observed = day_consultation_minutes(day)
    delay = dt.timedelta(minutes=day.delay_minutes)
    # Finished and current consultations used their share of their slot first.
    ahead: dict[int, int] = dict(
        Token.objects.for_day(day)
        .filter(status__in=(Status.COMPLETED, Status.IN_CONSULTATION))
        .values("slot")
        .annotate(n=Count("pk"))
        .values_list("slot", "n")
    )
    result: dict = {}
    for position, token in enumerate(day_expected_queue(day), start=1):
        slot = token.slot
        slot.day = day
        k = ahead.get(slot.pk, 0)
        ahead[slot.pk] = k + 1
        pace = dt.timedelta(minutes=observed) if observed else slot.length / slot.capacity
        eta = slot.start_at + delay + k * pace
        if now is not None and eta < now:
            eta = now
        result[token.pk] = Placement(position=position, estimated_time=eta)
    serving = day_now_serving(day)
    if serving is not None:
        result[serving.pk] = Placement(position=0, estimated_time=serving.called_at)
    for position, token in enumerate(day_waitlist(day), start=1):
        result[token.pk] = Placement(position=position, estimated_time=None)
    return result


def token_placement(token: Token, *, now: dt.datetime | None = None) -> Placement:
    """Position and estimated time of one token (None for finished tokens)."""
    if not token.is_active:
        return Placement(position=None, estimated_time=None)
    # Re-read the day: a delay set since ``token`` was loaded must show.
    day = DoctorDay.objects.get(pk=token.day_id)
    return day_placements(day, now=now).get(token.pk, Placement(position=None, estimated_time=None))
