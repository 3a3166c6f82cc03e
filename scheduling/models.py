"""Departments, doctors, their days and the slots of those days (DESIGN §2)."""

import datetime as dt

from django.conf import settings
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


class DoctorDay(models.Model):
    """One doctor on one date.

    This row is the lock of the allocation engine: every transaction that changes
    a token of this day takes ``select_for_update()`` on it first (DESIGN §4).
    It also carries the token-number counter, which only ever grows.
    """

    doctor = models.ForeignKey(Doctor, on_delete=models.PROTECT, related_name="days")
    date = models.DateField()
    delay_minutes = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    token_counter = models.PositiveIntegerField(default=0, editable=False)

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

    def with_occupancy(self) -> "SlotQuerySet":
        # Counted from the tokens every time (DESIGN §4: no counter that can drift).
        from tokens.models import SEAT_HOLDING

        return self.annotate(
            occupied=models.Count("tokens", filter=Q(tokens__status__in=SEAT_HOLDING)),
            overbooked_count=models.Count(
                "tokens",
                filter=Q(tokens__status__in=SEAT_HOLDING, tokens__overbooked=True),
            ),
        )


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
