"""Writes to the schedule: doctor-days, slots and slot generation from rosters.

Slot changes lock the doctor-day first, like every token change (docs/allocation.md, "Concurrency"),
so a capacity cut cannot race a booking into the same slot."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from scheduling.models import Department, Doctor, DoctorDay, RosterSession, Slot


def day_get_or_create(*, doctor: Doctor, date: dt.date) -> DoctorDay:
    """The doctor's day on ``date``, created on first use."""
    day, _ = DoctorDay.objects.get_or_create(doctor=doctor, date=date)
    return day


def _lock(day: DoctorDay) -> DoctorDay:
    return DoctorDay.objects.select_for_update(of=("self",)).get(pk=day.pk)


def slot_create(
    *, doctor: Doctor, date: dt.date, start: dt.time, end: dt.time, capacity: int
) -> Slot:
    """Add one slot to the doctor's day; raises ``ValidationError`` when it
    ends before it starts, has no seat, or overlaps another slot of the day."""
    day = day_get_or_create(doctor=doctor, date=date)
    with transaction.atomic():
        day = _lock(day)
        slot = Slot(day=day, start=start, end=end, capacity=capacity)
        slot.full_clean()
        slot.save()
        return slot


@dataclass
class GenerateResult:
    created: list[Slot] = field(default_factory=list)
    skipped: int = 0  # roster slots that already exist or overlap an existing slot


def slots_generate(
    *, date_from: dt.date, date_to: dt.date, doctor: Doctor | None = None
) -> GenerateResult:
    """Create the slots the weekly rosters call for between two dates (inclusive).

    Idempotent: a roster slot that already exists, or that would overlap an
    existing slot of the day, is skipped, so existing slots — and the tokens they
    hold — are never touched."""
    if date_to < date_from:
        raise ValidationError("The end date is before the start date.")
    sessions = RosterSession.objects.filter(doctor__active=True).select_related("doctor")
    if doctor is not None:
        sessions = sessions.filter(doctor=doctor)
    sessions = list(sessions.order_by("doctor_id", "start"))
    result = GenerateResult()
    date = date_from
    while date <= date_to:
        by_doctor: dict[int, list[RosterSession]] = {}
        for session in sessions:
            if session.works_on(date):
                by_doctor.setdefault(session.doctor_id, []).append(session)
        for doctor_sessions in by_doctor.values():
            _generate_day(date, doctor_sessions, result)
        date += dt.timedelta(days=1)
    return result


def _generate_day(date: dt.date, sessions: list[RosterSession], result: GenerateResult) -> None:
    day = day_get_or_create(doctor=sessions[0].doctor, date=date)
    with transaction.atomic():
        day = _lock(day)
        existing = list(Slot.objects.filter(day=day).values_list("start", "end"))
        for session in sessions:
            for start, end in session.slot_times():
                if any(s < end and e > start for s, e in existing):
                    result.skipped += 1
                    continue
                slot = Slot.objects.create(day=day, start=start, end=end, capacity=session.capacity)
                existing.append((start, end))
                result.created.append(slot)


def department_create(*, name: str) -> Department:
    """Add a department; raises ``ValidationError`` for a blank or taken name."""
    department = Department(name=" ".join(name.split()))
    department.full_clean()
    department.save()
    return department


def doctor_create(
    *, name: str, code: str, department: Department, room: str = "", active: bool = True
) -> Doctor:
    """Add a doctor; raises ``ValidationError`` for a bad or taken code."""
    doctor = Doctor(
        name=" ".join(name.split()),
        code=code,
        department=department,
        room=room.strip(),
        active=active,
    )
    doctor.full_clean()
    doctor.save()
    return doctor
