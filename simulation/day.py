"""A whole OPD day played through the allocation engine (docs/simulation.md).

``simulate`` creates (or reuses) simulated doctors — codes ``SIMAA``…``SIMZZ`` in
departments named "… (sim)" — gives them slots on the date, and then plays the
day on a simulated clock: a priority queue of timed events, each one a call to
the same service functions the desk and the API use, with ``now`` set to the
event's time. Nothing here decides who gets a seat; it only decides what people
*do* (book, arrive, cancel, walk in, get called), drawn from ``random.Random(seed)``
so the same seed plays the same day. See docs/simulation.md.
"""

import datetime as dt
import heapq
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count, pairwise
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from analytics.selectors import DayStats, date_summary
from scheduling.models import Department, Doctor, DoctorDay, Slot
from scheduling.services import slot_create
from tokens import errors
from tokens.invariants import check_day
from tokens.models import Notification, Source, Status, Token, TokenEvent
from tokens.services import (
    day_close,
    day_set_delay,
    slot_close,
    token_book,
    token_call_next,
    token_cancel,
    token_check_in,
    token_complete,
    tokens_mark_no_shows,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_PREFIX = "SIM"
CODE_REGEX = r"^SIM[A-Z]{2}$"
MAX_DOCTORS = len(LETTERS) ** 2
# Simulated patients' phones: +91 700 <doctor 3 digits> <patient 4 digits>.
PHONE_PREFIX = "+91700"

DEPARTMENTS = ("General Medicine", "Paediatrics", "Orthopaedics", "ENT", "Dermatology")
# Weekly patterns, one per doctor in turn: (start, end, slot minutes, capacity).
PATTERNS = (
    (("09:00", "13:00", 60, 6),),
    (("09:00", "12:00", 30, 3), ("14:00", "16:00", 60, 5)),
    (("10:00", "14:00", 60, 5),),
)
FIRST_NAMES = (
    "Asha", "Ravi", "Meena", "Arjun", "Kavya", "Imran", "Lakshmi", "Rohan", "Fatima", "Suresh",
    "Divya", "Anil", "Sneha", "Vikram", "Pooja", "Karthik", "Nisha", "Rahul", "Anjali", "Manoj",
)  # fmt: skip
LAST_NAMES = (
    "Rao", "Sharma", "Iyer", "Das", "Reddy", "Sheikh", "Nair", "Gupta", "Begum", "Kumar",
    "Menon", "Pillai", "Khan", "Joshi", "Patel", "Singh", "Bose", "Verma", "Mehta", "Shetty",
)  # fmt: skip
# Share of the day's patients by source; emergencies are drawn separately.
SOURCE_WEIGHTS = {Source.ONLINE: 40, Source.WALK_IN: 30, Source.FOLLOW_UP: 16, Source.PAID: 14}
BOOKED = (Source.ONLINE, Source.PAID, Source.FOLLOW_UP)
# A doctor keeps seeing checked-in patients this long after a session ends.
OVERRUN = dt.timedelta(minutes=30)
FINAL_OVERRUN = dt.timedelta(minutes=90)


class SimulationError(Exception):
    """The simulation cannot start (e.g. the date already holds a simulated day)."""


@dataclass(frozen=True)
class SimConfig:
    date: dt.date
    doctors: int = 3
    seed: int = 1
    load: float = 1.1  # patients per doctor ÷ the doctor's seats
    until: dt.time | None = None  # stop the clock here and leave the day open
    cancel_rate: float = 0.10
    no_show_rate: float = 0.10


@dataclass
class _Patient:
    doctor: "_Doctor"
    name: str
    phone: str
    source: str
    at: dt.datetime  # booking, or arrival at the desk for walk-ins and emergencies
    slot_index: int | None  # preferred slot of a booking
    fate: str  # "attend", "cancel" or "no_show"
    arrive_minutes: float  # relative to the booked slot's start
    cancel_fraction: float
    consult_factor: float
    token: Token | None = None


@dataclass
class _Doctor:
    index: int
    code: str
    day: DoctorDay
    slots: list[Slot]
    rng: random.Random
    work_start: dt.datetime
    off: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    idle: bool = True
    stopped: bool = False

    @cached_property
    def slot_by_id(self) -> dict[int, Slot]:
        return {slot.pk: slot for slot in self.slots}

    @property
    def last_end(self) -> dt.datetime:
        return self.slots[-1].end_at


@dataclass
class SimResult:
    report: dict[str, Any]
    violations: dict[str, list[str]]


def doctor_code(index: int) -> str:
    """``SIMAA`` for the first simulated doctor, ``SIMAB`` for the second…"""
    return CODE_PREFIX + LETTERS[index // 26] + LETTERS[index % 26]


def _aware(date: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, time), timezone.get_default_timezone())


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def sim_days(date: dt.date):
    """The simulated doctor-days of ``date``."""
    return DoctorDay.objects.filter(date=date, doctor__code__regex=CODE_REGEX)


def sim_reset(date: dt.date) -> int:
    """Delete the simulated doctors' tokens, events, slots and days of ``date``.

    Real doctors' days are never touched. Returns how many tokens went."""
    days = sim_days(date)
    with transaction.atomic():
        Notification.objects.filter(token__day__in=days).delete()
        TokenEvent.objects.filter(day__in=days).delete()
        deleted, _ = Token.objects.filter(day__in=days).delete()
        Slot.objects.filter(day__in=days).delete()
        days.delete()
    return deleted


# --------------------------------------------------------------------------- setup


def _setup_doctors(config: SimConfig) -> list[_Doctor]:
    if sim_days(config.date).exists():
        raise SimulationError(
            f"{config.date} already holds a simulated day: rerun with --reset to replace it."
        )
    departments = [
        Department.objects.get_or_create(name=f"{name} (sim)")[0] for name in DEPARTMENTS
    ]
    doctors = []
    for index in range(config.doctors):
        code = doctor_code(index)
        doctor, _ = Doctor.objects.get_or_create(
            code=code,
            defaults={
                "name": f"Dr {FIRST_NAMES[index % 20]} {_last_name(index)} (sim)",
                "department": departments[index % len(departments)],
                "room": f"S{index + 1:03d}",
            },
        )
        for start, end, minutes, capacity in PATTERNS[index % len(PATTERNS)]:
            cursor = dt.datetime.combine(config.date, dt.time.fromisoformat(start))
            stop = dt.datetime.combine(config.date, dt.time.fromisoformat(end))
            while cursor < stop:
                nxt = cursor + dt.timedelta(minutes=minutes)
                slot_create(
                    doctor=doctor,
                    date=config.date,
                    start=cursor.time(),
                    end=nxt.time(),
                    capacity=capacity,
                )
                cursor = nxt
        day = DoctorDay.objects.select_related("doctor").get(doctor=doctor, date=config.date)
        slots = list(Slot.objects.for_day(day))
        for slot in slots:
            slot.day = day
        doctors.append(
            _Doctor(
                index=index,
                code=code,
                day=day,
                slots=slots,
                # One stream per doctor: adding doctors does not change the others' day.
                rng=random.Random(f"{config.seed}-{code}"),
                work_start=slots[0].start_at,
            )
        )
        # The break between sessions: the doctor stops calling a while after one ends.
        for before, after in pairwise(slots):
            if after.start > before.end:
                doctors[-1].off.append((before.end_at + OVERRUN, after.start_at))
    return doctors


def _last_name(index: int) -> str:
    return LAST_NAMES[(index * 7 + index // 20) % len(LAST_NAMES)]


def _plan_patients(config: SimConfig, doc: _Doctor) -> list[_Patient]:
    rng = doc.rng
    seats = sum(s.capacity for s in doc.slots)
    n_regular = max(1, round(seats * config.load))
    sources = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()), k=n_regular)
    sources += [Source.EMERGENCY] * rng.choice((0, 1, 1, 2))
    first, last = doc.slots[0].start_at, doc.last_end
    evening_before = _aware(config.date - dt.timedelta(days=1), dt.time(8, 0))
    open_hour = _aware(config.date, dt.time(8, 30))
    # Earlier slots are the popular ones.
    slot_weights = [len(doc.slots) - i for i in range(len(doc.slots))]
    patients = []
    for k, source in enumerate(sources):
        if source in BOOKED:
            at = _between(rng, evening_before, open_hour)
            slot_index = (
                rng.choices(range(len(doc.slots)), weights=slot_weights)[0]
                if rng.random() < 0.75
                else None
            )
        elif source == Source.WALK_IN:
            at = _between(rng, first - dt.timedelta(minutes=30), last - dt.timedelta(minutes=40))
            slot_index = None
        else:
            at = _between(rng, first, last - dt.timedelta(minutes=20))
            slot_index = None
        roll = rng.random()
        fate = "attend"
        if source != Source.EMERGENCY and roll < config.cancel_rate:
            fate = "cancel"
        elif source in BOOKED and roll < config.cancel_rate + config.no_show_rate:
            fate = "no_show"
        patients.append(
            _Patient(
                doctor=doc,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=f"{PHONE_PREFIX}{doc.index:03d}{k:04d}",
                source=source,
                at=at,
                slot_index=slot_index,
                fate=fate,
                arrive_minutes=rng.uniform(-40, 10),
                cancel_fraction=rng.uniform(0.1, 0.9),
                consult_factor=min(rng.lognormvariate(0, 0.35), 3.0),
            )
        )
    return patients


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A whole minute between ``start`` and ``end``."""
    minutes = int((end - start).total_seconds() // 60)
    return start + dt.timedelta(minutes=rng.randint(0, max(minutes, 0)))


# --------------------------------------------------------------------------- the day


class _Day:
    """The event loop: ``(time, order, action, args)`` in a heap."""

    def __init__(self, config: SimConfig, doctors: list[_Doctor], rng: random.Random) -> None:
        self.config = config
        self.doctors = doctors
        self.rng = rng
        self.heap: list = []
        self.order = count()
        self.pushed = 0
        self.done = 0
        self.refused: Counter = Counter()
        self.auto_no_shows = 0
        self.clock: dt.datetime | None = None
        self.stop_at = _aware(config.date, config.until) if config.until else None
        self.doctor_of_day = {d.day.pk: d for d in doctors}
        self.scenario: dict[str, Any] = {}
        self.by_token: dict[Any, _Patient] = {}

    def push(self, at: dt.datetime, action: Callable, *args: Any) -> None:
        heapq.heappush(self.heap, (at, next(self.order), action, args))
        self.pushed += 1

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        while self.heap:
            at, _, action, args = heapq.heappop(self.heap)
            if self.stop_at is not None and at > self.stop_at:
                break
            self.clock = at
            action(at, *args)
            self.done += 1
            if progress is not None and self.done % 50 == 0:
                progress(self.done, self.pushed)
        if progress is not None:
            progress(self.pushed, self.pushed)

    # ----------------------------------------------------------------- scenario

    def schedule(self, patients: list[_Patient]) -> None:
        for p in patients:
            self.push(p.at, self.issue, p)
        # Rule 7 sweeps, each over the days that have a slot ending then: a token
        # only becomes overdue when its slot's grace runs out (promotions go to live
        # slots only), so this finds exactly what a sweep of every day would.
        grace = dt.timedelta(minutes=settings.OPD_NO_SHOW_GRACE_MINUTES)
        ending: dict[dt.datetime, list[int]] = {}
        for doc in self.doctors:
            for slot in doc.slots:
                ending.setdefault(slot.end_at + grace, []).append(doc.day.pk)
        for moment in sorted(ending):
            self.push(moment, self.sweep, sorted(set(ending[moment])))
        late = self.rng.choice(self.doctors)
        minutes = self.rng.randint(20, 45)
        late.work_start += dt.timedelta(minutes=minutes)
        self.push(late.slots[0].start_at - dt.timedelta(minutes=15), self.delay, late, minutes)
        others = [d for d in self.doctors if d is not late] or self.doctors
        away = self.rng.choice(others)
        slot = away.slots[len(away.slots) // 2]
        away.off.append((slot.start_at, slot.end_at))
        self.push(slot.start_at - dt.timedelta(minutes=40), self.close_slot, away, slot)
        self.scenario = {
            "late_doctor": {"doctor": late.code, "minutes": minutes},
            "closed_slot": {"doctor": away.code, "slot": slot.label},
        }

    # ----------------------------------------------------------------- actions

    def _try(self, what: str, call: Callable, **kwargs: Any):
        """Run a service call that real life may make pointless (a cancel that
        comes after the consultation…): a refusal is counted, not fatal."""
        try:
            return call(**kwargs)
        except errors.TokenError as exc:
            self.refused[f"{what}:{exc.code}"] += 1
            return None

    def _after(self, doc: _Doctor, at: dt.datetime, result) -> None:
        # Somebody became callable (checked in, or promoted while present).
        tokens = [result.token] + [m.token for m in getattr(result, "moved", [])]
        if any(t.status == Status.CHECKED_IN and t.day_id == doc.day.pk for t in tokens):
            self.wake(at, doc)

    def issue(self, at: dt.datetime, p: _Patient) -> None:
        doc = p.doctor
        slot = doc.slots[p.slot_index] if p.slot_index is not None else None
        result = self._try(
            "issue",
            token_book,
            day_id=doc.day.pk,
            slot_id=slot.pk if slot else None,
            source=p.source,
            name=p.name,
            phone=p.phone,
            actor=None,
            now=at,
        )
        if result is None:
            return
        p.token = result.token
        self.by_token[p.token.pk] = p
        self._after(doc, at, result)
        if p.source == Source.EMERGENCY:
            return
        token = result.token
        booked_start = doc.slot_by_id[token.slot_id or token.requested_slot_id].start_at
        if p.fate == "cancel":
            if p.source == Source.WALK_IN:
                # Left without being seen, after waiting a while.
                self.push(at + dt.timedelta(minutes=45 + 75 * p.cancel_fraction), self.cancel, p)
            elif booked_start > at:
                self.push(at + (booked_start - at) * p.cancel_fraction, self.cancel, p)
        elif p.fate == "attend" and p.source in BOOKED:
            arrive = booked_start + dt.timedelta(minutes=p.arrive_minutes)
            self.push(max(arrive, at), self.arrive, p)

    def arrive(self, at: dt.datetime, p: _Patient) -> None:
        try:
            result = token_check_in(token=p.token, now=at)
        except errors.InvalidTransition as exc:
            if exc.extra.get("status") == Status.WAITLISTED and at < p.doctor.last_end:
                # At the desk but without a seat: ask again once someone may have left.
                self.push(at + dt.timedelta(minutes=20), self.arrive, p)
            else:
                self.refused[f"check_in:{exc.code}"] += 1
            return
        self._after(p.doctor, at, result)

    def cancel(self, at: dt.datetime, p: _Patient) -> None:
        result = self._try(
            "cancel", token_cancel, token=p.token, now=at, reason="Patient cancelled."
        )
        if result is not None:
            self._after(p.doctor, at, result)

    def delay(self, at: dt.datetime, doc: _Doctor, minutes: int) -> None:
        day_set_delay(day=doc.day, minutes=minutes, now=at)

    def close_slot(self, at: dt.datetime, doc: _Doctor, slot: Slot) -> None:
        result = slot_close(slot=slot, now=at, reason="Doctor called to the ward.")
        tokens = [m.token for m in result.moved]
        if any(t.status == Status.CHECKED_IN for t in tokens):
            self.wake(at, doc)

    def sweep(self, at: dt.datetime, day_ids: list[int]) -> None:
        marked = tokens_mark_no_shows(now=at, day_ids=day_ids)
        self.auto_no_shows += len(marked)
        # A freed seat may have gone to a patient waiting at the desk: look again.
        for day_id in sorted({t.day_id for t in marked}):
            self.wake(at, self.doctor_of_day[day_id])

    def wake(self, at: dt.datetime, doc: _Doctor) -> None:
        if doc.idle and not doc.stopped:
            doc.idle = False
            self.push(self._working_time(doc, at), self.call_next, doc)

    def _working_time(self, doc: _Doctor, at: dt.datetime) -> dt.datetime:
        at = max(at, doc.work_start)
        for start, end in sorted(doc.off):
            if start <= at < end:
                at = end
        return at

    def call_next(self, at: dt.datetime, doc: _Doctor) -> None:
        working = self._working_time(doc, at)
        if working > at:
            self.push(working, self.call_next, doc)
            return
        if at > doc.last_end + FINAL_OVERRUN:
            doc.stopped = True
            return
        try:
            result = token_call_next(day=doc.day, now=at)
        except errors.QueueEmpty:
            doc.idle = True
            return
        slot = doc.slot_by_id[result.token.slot_id]
        pace = slot.length / slot.capacity
        factor = self.by_token[result.token.pk].consult_factor
        minutes = max(2.0, pace.total_seconds() / 60 * 0.85 * factor)
        self.push(at + dt.timedelta(minutes=round(minutes, 1)), self.complete, doc, result.token)

    def complete(self, at: dt.datetime, doc: _Doctor, token: Token) -> None:
        token_complete(token=token, now=at)
        self.call_next(at, doc)


# --------------------------------------------------------------------------- entry point


def simulate(
    config: SimConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    reset: bool = False,
) -> SimResult:
    """Play ``config.date`` and return the report and any invariant violations.

    The day stays in the database. Unless ``config.until`` stops the clock early,
    every doctor-day is closed at the end, so nothing is left in play.
    """
    if not 1 <= config.doctors <= MAX_DOCTORS:
        raise SimulationError(f"--doctors must be between 1 and {MAX_DOCTORS}.")
    with _fast_commits():
        if reset:
            sim_reset(config.date)
        doctors = _setup_doctors(config)
        patients = [p for doc in doctors for p in _plan_patients(config, doc)]
        day = _Day(config, doctors, random.Random(config.seed))
        day.schedule(patients)
        day.run(progress)
        closed_at = None
        if config.until is None:
            last = max(day.clock, max(d.last_end for d in doctors))
            closed_at = (last + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
            for doc in doctors:
                day_close(day=doc.day, now=closed_at)
    violations = {}
    for doc in doctors:
        problems = check_day(doc.day)
        if problems:
            violations[doc.code] = problems
    report = build_report(config, day, doctors, closed_at, violations)
    return SimResult(report=report, violations=violations)


@contextmanager
def _fast_commits() -> Iterator[None]:
    """On PostgreSQL, do not wait for each commit's WAL flush while simulating.

    Thousands of small commits get several times faster. A crash may lose the
    last few simulated events, never half of one: each is still one transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def _day_row(stats: DayStats) -> dict[str, Any]:
    return {
        "name": stats.doctor_name,
        "department": stats.department,
        "slots": len(stats.slots),
        "capacity": stats.capacity,
        "issued": stats.issued,
        "by_source": stats.by_source,
        "completed": stats.by_status[Status.COMPLETED],
        "cancelled": stats.by_status[Status.CANCELLED],
        "no_show": stats.by_status[Status.NO_SHOW],
        "expired": stats.by_status[Status.EXPIRED],
        "in_play": sum(
            stats.by_status[s]
            for s in (
                Status.ALLOCATED,
                Status.WAITLISTED,
                Status.CHECKED_IN,
                Status.IN_CONSULTATION,
            )
        ),
        "displaced": stats.displaced,
        "moved": stats.moved,
        "promoted": stats.promoted,
        "overbooked": stats.overbooked,
        "utilization": stats.utilization,
        "delay_minutes": stats.delay_minutes,
        "wait_mean": stats.wait.mean,
        "wait_median": stats.wait.median,
        "wait_p90": stats.wait.p90,
        "consultation_mean": stats.consultation.mean,
    }


def build_report(
    config: SimConfig,
    day: _Day,
    doctors: list[_Doctor],
    closed_at: dt.datetime | None,
    violations: dict[str, list[str]],
) -> dict[str, Any]:
    """The day's figures keyed by doctor code: no database ids, no wall-clock time."""
    summary = date_summary(config.date, days=sim_days(config.date))
    totals = {
        "doctors": summary.doctors,
        "capacity": summary.capacity,
        "issued": summary.issued,
        "by_source": summary.by_source,
        "by_status": summary.by_status,
        "displaced": summary.displaced,
        "moved": summary.moved,
        "promoted": summary.promoted,
        "overbooked": summary.overbooked,
        "utilization": summary.utilization,
        "auto_no_shows": day.auto_no_shows,
        "wait_mean": summary.wait.mean,
        "wait_median": summary.wait.median,
        "wait_p90": summary.wait.p90,
        "consultation_mean": summary.consultation.mean,
    }
    return {
        "date": config.date.isoformat(),
        "seed": config.seed,
        "load": config.load,
        "clock": {
            "stopped_at": config.until.strftime("%H:%M") if config.until else None,
            "closed_at": _local(closed_at) if closed_at else None,
        },
        "scenario": day.scenario,
        "day": totals,
        "doctors": {stats.doctor_code: _day_row(stats) for stats in summary.days},
        "refused": dict(sorted(day.refused.items())),
        # What the day owed patients and portals (docs/notifications.md), by kind.
        "messages": dict(
            sorted(
                Notification.objects.filter(token__day__in=sim_days(config.date))
                .values_list("kind")
                .annotate(n=Count("pk"))
            )
        ),
        "invariants": {
            "doctor_days_checked": len(doctors),
            "violations": violations,
        },
    }
