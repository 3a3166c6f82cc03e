"""People and places for the page tests: one user per role, a doctor-day in the
future (so every slot is still open whatever the wall clock says) and one today
for the doctor's queue."""

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.factories import DoctorFactory, make_day
from tokens.roles import ADMIN, DOCTOR, PORTAL, RECEPTION


def make_user(username: str, *roles: str, **fields) -> User:
    user = User.objects.create_user(username=username, password="pw", **fields)
    for role in roles:
        # get_or_create: transactional tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def reception_user(db) -> User:
    return make_user("reena", RECEPTION, first_name="Reena")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada", ADMIN, is_staff=True)


@pytest.fixture
def portal_user(db) -> User:
    return make_user("portal", PORTAL)


@pytest.fixture
def doctor(db):
    return DoctorFactory(name="Dr Asha Sharma", code="SHA", room="101")


@pytest.fixture
def doctor_user(doctor) -> User:
    user = make_user("asha", DOCTOR)
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
