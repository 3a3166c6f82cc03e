"""Read functions for pages and the API: occupancy, waitlist, calling order,
positions and estimated times. They never write and take no lock; a page may
be a moment stale, which the next refresh corrects."""

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone

from scheduling.models import DoctorDay, Slot
from tokens.models import CALLING_ORDER, SEAT_HOLDING, WAITLIST_ORDER, Status, Token

# Below this many finished consultations the slot's own pace (length ÷ capacity)
# is a better guess than an average of a handful.
MIN_OBSERVED_CONSULTATIONS = 3


# What a slot's ``status`` says to the desk and the portal (docs/allocation.md,
# "Bookable slot"): closed also when its day is cancelled or closed.
OPEN, CLOSED, ENDED = "open", "closed", "ended"
SLOT_STATUSES = (OPEN, CLOSED, ENDED)


def with_occupancy(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """``slots`` annotated with ``occupied`` (seat-holding tokens) and
    ``overbooked_count`` (emergencies seated beyond capacity).

    Counted from the tokens every time, never kept in a counter that could drift
    (docs/allocation.md, "Concurrency")."""
    return slots.annotate(
        occupied=Count("tokens", filter=Q(tokens__status__in=SEAT_HOLDING)),
        overbooked_count=Count(
            "tokens", filter=Q(tokens__status__in=SEAT_HOLDING, tokens__overbooked=True)
        ),
    )


def slot_status(slot: Slot, now: dt.datetime) -> str:
    """``open``, ``closed`` (the slot, or its whole day, takes no tokens) or ``ended``."""
    day = slot.day
    if slot.closed or day.cancelled or day.closed_at is not None:
        return CLOSED
    if slot.has_ended(now):
        return ENDED
    return OPEN


def bookable_q(now: dt.datetime) -> Q:
    """The condition, on slots annotated by ``with_occupancy``, of a slot that takes
    a booking now: status ``open`` (``slot_status``, the same rule in SQL) with a
    free seat."""
    local = timezone.localtime(now)
    return (
        Q(closed=False, day__cancelled=False, day__closed_at__isnull=True)
        & (Q(day__date__gt=local.date()) | Q(day__date=local.date(), end__gt=local.time()))
        & Q(occupied__lt=F("capacity"))
    )


def day_slots(day: DoctorDay) -> list[Slot]:
    """The day's slots in time order, each annotated with ``occupied`` and
    ``overbooked_count``."""
    slots = list(with_occupancy(Slot.objects.for_day(day)))
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


def _observed_minutes(count: int | None, mean_seconds: float | None) -> float | None:
    # Below MIN_OBSERVED_CONSULTATIONS the slot's own pace is the better guess.
    if (count or 0) < MIN_OBSERVED_CONSULTATIONS or not mean_seconds:
        return None
    return float(mean_seconds) / 60


def day_consultation_minutes(day: DoctorDay) -> float | None:
    """Mean observed consultation length of the day, once enough are finished."""
    row = Token.objects.for_day(day).aggregate(**_observed_aggregates())
    mean = row["observed_mean"]
    return _observed_minutes(row["observed_n"], mean.total_seconds() if mean else None)


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


# The tokens ahead of one token, counted in one statement. Plain SQL because this
# runs on every booking response and the ORM spent more time building the nested
# lexicographic conditions than the database spent answering (see README,
# Performance). Row-value comparison is SQL standard: PostgreSQL and SQLite ≥ 3.15.
_AHEAD_SQL = """
SELECT
  (SELECT delay_minutes FROM {day} WHERE id = %(day)s),
  SUM(CASE WHEN t.status IN {expected} AND {calling_key} < {key} THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.slot_id = %(slot)s AND (t.status IN {seen}
      OR (t.status IN {expected} AND {calling_key} < {key})) THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.status = 'waitlisted' AND {waitlist_key} < {wkey} THEN 1 ELSE 0 END),
  SUM(CASE WHEN {timed} THEN 1 ELSE 0 END),
  AVG(CASE WHEN {timed} THEN {consultation_seconds} END)
FROM {token} t LEFT JOIN {slot} s ON s.id = t.slot_id
WHERE t.day_id = %(day)s
"""
# Seconds between call and completion; the one vendor-specific piece of the statement.
_CONSULTATION_SECONDS = {
    "postgresql": "EXTRACT(EPOCH FROM (t.completed_at - t.called_at))",
    # Django registers this function on its SQLite connections (microseconds, exact).
    "sqlite": "django_timestamp_diff(t.completed_at, t.called_at) / 1000000.0",
}


@cache
def _ahead_sql_for(vendor: str) -> str:
    # Spelled from CALLING_ORDER / WAITLIST_ORDER so the orders have one definition.
    columns = {
        "urgency": "(CASE WHEN t.source = 'emergency' THEN 0 ELSE 1 END)",
        "slot__start": "s.start",
    }

    def row(keys: tuple[str, ...]) -> str:
        return "(" + ", ".join(columns.get(k, f"t.{k}") for k in keys) + ")"

    def params(prefix: str, keys: tuple[str, ...]) -> str:
        return "(" + ", ".join(f"%({prefix}{k})s" for k in keys) + ")"

    def statuses(values: tuple[str, ...]) -> str:
        return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our constants, not input

    return _AHEAD_SQL.format(
        day=DoctorDay._meta.db_table,
        token=Token._meta.db_table,
        slot=Slot._meta.db_table,
        calling_key=row(CALLING_ORDER),
        waitlist_key=row(WAITLIST_ORDER),
        key=params("c_", CALLING_ORDER),
        wkey=params("w_", WAITLIST_ORDER),
        expected=statuses(EXPECTED),
        seen=statuses(SEEN),
        # The same consultations as _TIMED, which day_consultation_minutes averages.
        timed=f"t.status = '{Status.COMPLETED}' AND t.called_at IS NOT NULL"
        " AND t.completed_at IS NOT NULL",
        consultation_seconds=_CONSULTATION_SECONDS[vendor],
    )


def ahead_sql() -> str:
    """One statement counting, for one token (``ahead_params``), the day's delay, the
    tokens ahead of it, those seen or ahead in its slot, the waitlist ahead of it, and
    the day's timed consultations with their mean length (``placement_from_counts``)."""
    return _ahead_sql_for(connection.vendor)


def _key(token: Token, prefix: str, keys: tuple[str, ...]) -> dict:
    ops = connection.ops
    values = {
        "urgency": 0 if token.is_emergency else 1,
        "slot__start": ops.adapt_timefield_value(token.slot.start) if token.slot_id else None,
        "requested_at": ops.adapt_datetimefield_value(token.requested_at),
    }
    return {prefix + k: values[k] if k in values else getattr(token, k) for k in keys}


def ahead_params(token: Token) -> dict:
    """The parameters of ``ahead_sql`` for ``token`` (its slot loaded, if it has one)."""
    return {
        "day": token.day_id,
        "slot": token.slot_id,
        **_key(token, "c_", CALLING_ORDER),
        **_key(token, "w_", WAITLIST_ORDER),
    }


def placement_from_counts(token: Token, counts: tuple, *, now: dt.datetime | None) -> Placement:
    """Position and estimated time of an active ``token`` from the row of ``ahead_sql``."""
    delay, ahead, seen_in_slot, waitlist_ahead, timed, mean_seconds = counts
    if token.status == Status.WAITLISTED:
        return Placement(position=(waitlist_ahead or 0) + 1, estimated_time=None)
    day = DoctorDay(pk=token.day_id, date=token.day.date, delay_minutes=delay)
    observed = _observed_minutes(timed, mean_seconds)
    eta = _estimate(token.slot, seen_in_slot or 0, day=day, observed=observed, now=now)
    return Placement(position=(ahead or 0) + 1, estimated_time=eta)


def token_placement(token: Token, *, now: dt.datetime | None = None) -> Placement:
    """Position and estimated time of one token (None for finished tokens).

    The same answer as ``day_placements`` (a test holds them equal), from one
    statement that counts the tokens ahead, and averages the day's finished
    consultations, instead of reading the day's queue."""
    if not token.is_active:
        return NO_PLACEMENT
    if token.status == Status.IN_CONSULTATION:
        return Placement(position=0, estimated_time=token.called_at)
    with connection.cursor() as cursor:
        # The day's delay is re-read here: one set since ``token`` was loaded shows.
        cursor.execute(ahead_sql(), ahead_params(token))
        return placement_from_counts(token, cursor.fetchone(), now=now)
