import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import DAY, PatientFactory, make_day, make_user


def at(hour: int, minute: int = 0, date: dt.date = DAY) -> dt.datetime:
    """An aware moment on the test day, in the hospital's time zone."""
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hour, minute)))


@pytest.fixture
def morning() -> dt.datetime:
    """Before the first slot of the test day."""
    return at(8, 0)


@pytest.fixture
def day(db):
    """A doctor-day with three one-hour slots (09–12) of two seats each."""
    return make_day(2, 2, 2)


@pytest.fixture
def patient(db):
    return PatientFactory()


# People, one per role (tests/pages overrides them with password-holding logins).


@pytest.fixture
def reception_user(db):
    return make_user("rita", "reception")


@pytest.fixture
def doctor_user(db):
    return make_user("dr-shah", "doctor")


@pytest.fixture
def admin_user(db):
    return make_user("anand", "admin")


@pytest.fixture
def portal_user(db):
    return make_user("portal", "portal")
