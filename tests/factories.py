"""Factories that keep related objects consistent: a slot belongs to its day,
a token's slot to the token's day."""

import datetime as dt

import factory

from scheduling.models import Department, Doctor, DoctorDay, Slot
from tokens.models import Patient
from tokens.selectors import with_occupancy

DAY = dt.date(2030, 1, 7)  # a Monday, safely in the future


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


def _code(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "D" + letters[(n // 676) % 26] + letters[(n // 26) % 26] + letters[n % 26]


class DoctorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Doctor

    name = factory.Sequence(lambda n: f"Doctor {n}")
    code = factory.Sequence(_code)
    department = factory.SubFactory(DepartmentFactory)
    room = factory.Sequence(lambda n: f"R{n}")


class DoctorDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorDay

    doctor = factory.SubFactory(DoctorFactory)
    date = DAY


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    day = factory.SubFactory(DoctorDayFactory)
    start = dt.time(9, 0)
    end = dt.time(10, 0)
    capacity = 2


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    name = factory.Sequence(lambda n: f"Patient {n}")
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")


def make_day(*capacities: int, date: dt.date = DAY, doctor=None, start_hour: int = 9):
    """A doctor-day with one-hour slots from ``start_hour``, one per capacity given."""
    day = DoctorDayFactory(date=date, **({"doctor": doctor} if doctor else {}))
    for i, capacity in enumerate(capacities):
        SlotFactory(
            day=day,
            start=dt.time(start_hour + i, 0),
            end=dt.time(start_hour + i + 1, 0),
            capacity=capacity,
        )
    return day


def slots_of(day) -> list:
    """The day's slots in time order."""
    return list(day.slots.order_by("start"))


def occupancy(slot) -> Slot:
    """``slot`` re-read with ``occupied`` and ``overbooked_count`` (the selectors' count)."""
    return with_occupancy(Slot.objects.filter(pk=slot.pk)).get()


def issue(day, source: str = "online", *, now=None, patient=None, **kwargs):
    """Issue a token through the engine for a fresh patient (08:00 unless ``now``)."""
    from django.utils import timezone

    from tokens.services import token_issue

    now = now or timezone.make_aware(dt.datetime.combine(day.date, dt.time(8, 0)))
    patient = patient or PatientFactory()
    return token_issue(day=day, patient=patient, source=source, now=now, **kwargs).token


def make_user(username: str, *roles: str, **fields):
    """A login holding the given roles (group names). No password: hashing one is
    slow and the tests sign in with ``force_login`` / ``force_authenticate``."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username=username, **fields)
    for role in roles:
        # get_or_create: transactional tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user
