"""Departments, doctors, their days and the slots of those days (docs/allocation.md)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    name = models.CharField(max_length=120)
    code = models.CharField(
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", "Use 2 to 6 capital letters, e.g. SHA.")],
        help_text="Short code that prefixes this doctor's token numbers, e.g. SHA → SHA-014.",
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="doctors")
    room = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doctor_profile",
        help_text="The login this doctor uses for the queue page.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RosterSession(models.Model):
    """One weekly session of a doctor: on the ticked weekdays, from ``start`` to
    ``end``, cut into slots of ``slot_minutes`` with ``capacity`` seats each."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="roster")
    mon = models.BooleanField("Mon", default=False)
    tue = models.BooleanField("Tue", default=False)
    wed = models.BooleanField("Wed", default=False)
    thu = models.BooleanField("Thu", default=False)
    fri = models.BooleanField("Fri", default=False)
    sat = models.BooleanField("Sat", default=False)
    sun = models.BooleanField("Sun", default=False)
    start = models.TimeField()
    end = models.TimeField()
    slot_minutes = models.PositiveIntegerField(default=60, validators=[MinValueValidator(5)])
    capacity = models.PositiveIntegerField(default=6, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["doctor", "start"]
        verbose_name = "roster session"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="roster_end_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="roster_capacity_positive"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="roster_slot_minutes"),
        ]

    def __str__(self) -> str:
        days = ", ".join(d.title() for d in self.weekday_names()) or "no days"
        return f"{days} {self.start:%H:%M}–{self.end:%H:%M}"

    def weekday_names(self) -> list[str]:
        return [name for name in WEEKDAYS if getattr(self, name)]

    def works_on(self, date: dt.date) -> bool:
        return getattr(self, WEEKDAYS[date.weekday()])

    def slot_times(self) -> list[tuple[dt.time, dt.time]]:
        """The (start, end) of each slot of the session; a last part shorter than
        ``slot_minutes`` is not a slot."""
        times = []
        step = dt.timedelta(minutes=self.slot_minutes)
        cursor = dt.datetime.combine(dt.date.min, self.start)
        stop = dt.datetime.combine(dt.date.min, self.end)
        while cursor + step <= stop:
            times.append((cursor.time(), (cursor + step).time()))
            cursor += step
        return times

    def clean(self) -> None:
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = "The session must end after it starts."
        elif self.start and self.end and self.slot_minutes and not self.slot_times():
            errors["slot_minutes"] = "The session is shorter than one slot."
        if not self.weekday_names():
            errors["mon"] = "Tick at least one weekday."
        if errors:
            raise ValidationError(errors)
        if self.doctor_id and self.start and self.end:
            others = RosterSession.objects.filter(
                doctor_id=self.doctor_id, start__lt=self.end, end__gt=self.start
            ).exclude(pk=self.pk)
            for other in others:
                shared = set(self.weekday_names()) & set(other.weekday_names())
                if shared:
                    raise ValidationError(
                        f"This session overlaps the doctor's session {other} on "
                        + ", ".join(d.title() for d in WEEKDAYS if d in shared)
                        + "."
                    )


class DoctorDay(models.Model):
    """One doctor on one date.

    This row is the lock of the allocation engine: every transaction that changes
    a token of this day takes ``select_for_update()`` on it first (docs/allocation.md,
    "Concurrency").
    It also carries the token-number counter, which only ever grows.
    """

    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="days")
    date = models.DateField()
    delay_minutes = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    token_counter = models.PositiveIntegerField(default=0, editable=False)
    # Grows with every change the engine commits on this day (its lock statement bumps
    # it): the screens send it as their ETag, so an unchanged day costs one query.
    version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["date", "doctor__name"]
        constraints = [
            models.UniqueConstraint(fields=["doctor", "date"], name="doctorday_unique_doctor_date"),
        ]

    def __str__(self) -> str:
        return f"{self.doctor.code} {self.date:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class SlotQuerySet(models.QuerySet):
    def for_day(self, day: DoctorDay) -> "SlotQuerySet":
        return self.filter(day=day).order_by("start")


class Slot(models.Model):
    day = models.ForeignKey(DoctorDay, on_delete=models.CASCADE, related_name="slots")
    start = models.TimeField()
    end = models.TimeField()
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    closed = models.BooleanField(default=False)
    closed_reason = models.CharField(max_length=300, blank=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["day__date", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_at_least_one"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            models.UniqueConstraint(fields=["day", "start"], name="slot_unique_day_start"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        """A slot's own rules. That capacity never falls below the seats taken is the
        engine's to check, under the day's lock (``tokens.services.slot_set_capacity``)."""
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The slot must end after it starts."})
        if self.capacity is not None and self.capacity < 1:
            raise ValidationError({"capacity": "Capacity must be at least 1."})
        if self.day_id and self.start and self.end:
            clash = (
                Slot.objects.filter(day_id=self.day_id, start__lt=self.end, end__gt=self.start)
                .exclude(pk=self.pk)
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    f"This slot overlaps the doctor's {clash.label} slot "
                    f"on {self.day.date:%d %b %Y}."
                )

    @property
    def start_at(self) -> dt.datetime:
        return _aware(self.day.date, self.start)

    @property
    def end_at(self) -> dt.datetime:
        return _aware(self.day.date, self.end)

    @property
    def length(self) -> dt.timedelta:
        return self.end_at - self.start_at

    def has_ended(self, now: dt.datetime) -> bool:
        return now >= self.end_at

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _aware(date: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, time), timezone.get_default_timezone())
