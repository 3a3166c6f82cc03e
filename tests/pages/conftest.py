"""People and places for the page tests: one user per role, a doctor-day in the
future (so every slot is still open whatever the wall clock says) and one today
for the doctor's queue."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.factories import DoctorFactory, make_day, make_user
from tokens.roles import ADMIN, DOCTOR, PORTAL, RECEPTION

# The page and browser tests sign in through the login form with it.
PASSWORD = "pw"


@pytest.fixture
def reception_user(db) -> User:
    return make_user("reena", RECEPTION, first_name="Reena", password=PASSWORD)


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada", ADMIN, is_staff=True, password=PASSWORD)


@pytest.fixture
def portal_user(db) -> User:
    return make_user("portal", PORTAL, password=PASSWORD)


@pytest.fixture
def doctor(db):
    return DoctorFactory(name="Dr Asha Sharma", code="SHA", room="101")


@pytest.fixture
def doctor_user(doctor) -> User:
    user = make_user("asha", DOCTOR, password=PASSWORD)
    doctor.user = user
    doctor.save(update_fields=["user"])
    return user


@pytest.fixture
def desk(client, reception_user):
    """A test client signed in as reception."""
    client.force_login(reception_user)
    return client


@pytest.fixture
def today(doctor):
    """The signed-in doctor's day today: three one-hour slots of two seats."""
    return make_day(2, 2, 2, date=timezone.localdate(), doctor=doctor)


HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx_target(target: str) -> dict[str, str]:
    """Headers of an htmx request whose target element has id ``target``."""
    return {**HTMX, "HTTP_HX_TARGET": target}
