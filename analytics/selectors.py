"""Read-only analytics over slots, tokens and their event trail (docs/simulation.md,
"Analytics").

Every count is computed by the database in grouped aggregate queries: a fixed
number of queries per call however many tokens a day holds. Only the wait
percentiles are taken in Python, from one ``values_list`` of durations.

Definitions (docs/simulation.md):
- a slot's *utilization* is occupied seats ÷ capacity (above 1 only through
  emergency overbooks); a day's is occupied seats ÷ the capacity of its open
  slots (a closed slot offered no seat);
- *wait* is check-in to call, *consultation* is call to completion, in minutes;
- *displaced in/out* of a slot count ``displaced`` events whose ``to_slot`` /
  ``from_slot`` is that slot.
"""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from scheduling.models import DoctorDay, Slot
from tokens.models import EventKind, Source, Status, Token, TokenEvent
from tokens.selectors import with_occupancy


@dataclass(frozen=True)
class DurationStats:
    """Count, mean, median and 90th percentile of durations, in minutes."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, minutes: list[float]) -> "DurationStats":
        if not minutes:
            return cls()
        values = sorted(minutes)
        # Linear interpolation between closest ranks (numpy's default), so a
        # single observation is its own median and 90th percentile.
        p90 = (
            values[0]
            if len(values) == 1
            else statistics.quantiles(values, n=10, method="inclusive")[8]
        )
        return cls(
            count=len(values),
            mean=round(statistics.fmean(values), 2),
            median=round(statistics.median(values), 2),
            p90=round(p90, 2),
        )


@dataclass
class SlotStats:
    id: int
    day_id: int
    doctor_id: int
    doctor_code: str
    date: dt.date
    start: dt.time
    end: dt.time
    capacity: int
    closed: bool
    occupied: int
    overbooked: int
    displaced_in: int
    displaced_out: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def available(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def utilization(self) -> float:
        return round(self.occupied / self.capacity, 3)


@dataclass
class DayStats:
    """One doctor-day: its slots, tokens by source and status, moves and waits."""

    id: int
    doctor_id: int
    doctor_code: str
    doctor_name: str
    department: str
    date: dt.date
    delay_minutes: int
    cancelled: bool
    closed: bool
    slots: list[SlotStats] = field(default_factory=list)
    by_source: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    overbooked: int = 0
    displaced: int = 0
    moved: int = 0
    promoted: int = 0
    wait: DurationStats = field(default_factory=DurationStats)
    consultation: DurationStats = field(default_factory=DurationStats)
    wait_minutes: list[float] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return sum(self.by_source.values())

    @property
    def capacity(self) -> int:
        return sum(s.capacity for s in self.slots if not s.closed)

    @property
    def occupied(self) -> int:
        return sum(s.occupied for s in self.slots)

    @property
    def utilization(self) -> float | None:
        return round(self.occupied / self.capacity, 3) if self.capacity else None


@dataclass
class DateSummary:
    """A date across the hospital: totals and one ``DayStats`` per doctor."""

    date: dt.date
    days: list[DayStats]
    wait: DurationStats
    consultation: DurationStats
    wait_minutes: list[float] = field(default_factory=list)

    def _total(self, name: str) -> int:
        return sum(getattr(day, name) for day in self.days)

    @property
    def doctors(self) -> int:
        return len(self.days)

    @property
    def issued(self) -> int:
        return self._total("issued")

    @property
    def capacity(self) -> int:
        return self._total("capacity")

    @property
    def occupied(self) -> int:
        return self._total("occupied")

    @property
    def utilization(self) -> float | None:
        return round(self.occupied / self.capacity, 3) if self.capacity else None

    @property
    def overbooked(self) -> int:
        return self._total("overbooked")

    @property
    def displaced(self) -> int:
        return self._total("displaced")

    @property
    def moved(self) -> int:
        return self._total("moved")

    @property
    def promoted(self) -> int:
        return self._total("promoted")

    @property
    def by_source(self) -> dict[str, int]:
        return {s: sum(d.by_source[s] for d in self.days) for s in Source.values}

    @property
    def by_status(self) -> dict[str, int]:
        return {s: sum(d.by_status[s] for d in self.days) for s in Status.values}


# --------------------------------------------------------------------------- queries


def _event_count(kind: str, slot_field: str) -> Coalesce:
    # A correlated count, so it cannot multiply the token join of with_occupancy().
    events = (
        TokenEvent.objects.filter(kind=kind, **{slot_field: OuterRef("pk")})
        .order_by()
        .values(slot_field)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(events, output_field=IntegerField()), Value(0))


def _slots(slots: QuerySet) -> list[SlotStats]:
    rows = (
        with_occupancy(slots)
        .annotate(
            displaced_in=_event_count(EventKind.DISPLACED, "to_slot"),
            displaced_out=_event_count(EventKind.DISPLACED, "from_slot"),
        )
        .select_related("day__doctor")
        .order_by("day_id", "start")
    )
    return [
        SlotStats(
            id=s.pk,
            day_id=s.day_id,
            doctor_id=s.day.doctor_id,
            doctor_code=s.day.doctor.code,
            date=s.day.date,
            start=s.start,
            end=s.end,
            capacity=s.capacity,
            closed=s.closed,
            occupied=s.occupied,
            overbooked=s.overbooked_count,
            displaced_in=s.displaced_in,
            displaced_out=s.displaced_out,
        )
        for s in rows
    ]


def _minutes(delta: dt.timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds() / 60


def _durations(tokens: QuerySet) -> QuerySet:
    """(day id, wait, consultation) of every token that was called."""
    return (
        tokens.filter(called_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(
                F("called_at") - F("checked_in_at"), output_field=DurationField()
            ),
            consultation=ExpressionWrapper(
                F("completed_at") - F("called_at"), output_field=DurationField()
            ),
        )
        .order_by()
        .values_list("day_id", "wait", "consultation")
    )


def days_stats(days: QuerySet) -> list[DayStats]:
    """``DayStats`` for every doctor-day of ``days``, in five queries."""
    return _collect(days)[0]


def _collect(days: QuerySet) -> tuple[list[DayStats], list[float], list[float]]:
    days = list(days.select_related("doctor__department").order_by("doctor__code"))
    ids = [d.pk for d in days]
    stats = {
        d.pk: DayStats(
            id=d.pk,
            doctor_id=d.doctor_id,
            doctor_code=d.doctor.code,
            doctor_name=d.doctor.name,
            department=d.doctor.department.name,
            date=d.date,
            delay_minutes=d.delay_minutes,
            cancelled=d.cancelled,
            closed=d.closed_at is not None,
            by_source=dict.fromkeys(Source.values, 0),
            by_status=dict.fromkeys(Status.values, 0),
        )
        for d in days
    }
    if not ids:
        return [], [], []
    for slot in _slots(Slot.objects.filter(day_id__in=ids)):
        stats[slot.day_id].slots.append(slot)

    tokens = Token.objects.filter(day_id__in=ids)
    counts = tokens.order_by().values_list("day_id", "source", "status", "overbooked")
    for day_id, source, status, overbooked, n in counts.annotate(n=Count("pk")):
        day = stats[day_id]
        day.by_source[source] += n
        day.by_status[status] += n
        if overbooked:
            day.overbooked += n

    moves = (
        TokenEvent.objects.filter(
            day_id__in=ids, kind__in=(EventKind.DISPLACED, EventKind.MOVED, EventKind.PROMOTED)
        )
        .order_by()
        .values_list("day_id", "kind")
        .annotate(n=Count("pk"))
    )
    for day_id, kind, n in moves:
        setattr(stats[day_id], str(kind), n)

    waits: dict[int, list[float]] = defaultdict(list)
    consultations: dict[int, list[float]] = defaultdict(list)
    for day_id, wait, consultation in _durations(tokens):
        if wait is not None:
            waits[day_id].append(_minutes(wait))
        if consultation is not None:
            consultations[day_id].append(_minutes(consultation))
    for day_id, day in stats.items():
        day.wait = DurationStats.of(waits[day_id])
        day.wait_minutes = sorted(waits[day_id])
        day.consultation = DurationStats.of(consultations[day_id])
    all_waits = [m for day_waits in waits.values() for m in day_waits]
    all_consultations = [m for minutes in consultations.values() for m in minutes]
    return list(stats.values()), all_waits, all_consultations


def doctor_day_stats(day: DoctorDay) -> DayStats:
    """The figures of one doctor-day."""
    return days_stats(DoctorDay.objects.filter(pk=day.pk))[0]


def date_summary(date: dt.date, *, days: QuerySet | None = None) -> DateSummary:
    """Every doctor-day of ``date`` (or of ``days``) and the hospital's totals."""
    if days is None:
        days = DoctorDay.objects.filter(date=date)
    per_day, waits, consultations = _collect(days)
    return DateSummary(
        date=date,
        days=per_day,
        wait=DurationStats.of(waits),
        consultation=DurationStats.of(consultations),
        wait_minutes=sorted(waits),
    )


def slot_stats(slot: Slot) -> SlotStats:
    """One slot: capacity, occupancy, overbooks, displacements and tokens by status."""
    stats = _slots(Slot.objects.filter(pk=slot.pk))[0]
    stats.by_status = dict.fromkeys(Status.values, 0)
    counts = (
        Token.objects.filter(slot_id=slot.pk)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status, n in counts:
        stats.by_status[status] = n
    return stats
