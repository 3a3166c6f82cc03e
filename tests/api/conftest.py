"""People and clients for the API tests: one fixture per role."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.factories import PatientFactory, make_user


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", password=None)


@pytest.fixture
def portal_client(portal_user) -> User:
    return portal_user


@pytest.fixture
def other_portal_client(db) -> User:
    return make_user("other-portal", "portal")


@pytest.fixture
def no_role_user(db) -> User:
    return make_user("visitor")


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def reception(reception_user) -> APIClient:
    return client_for(reception_user)


@pytest.fixture
def doctor(doctor_user) -> APIClient:
    return client_for(doctor_user)


@pytest.fixture
def admin(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def portal(portal_client) -> APIClient:
    return client_for(portal_client)


@pytest.fixture
def other_portal(other_portal_client) -> APIClient:
    return client_for(other_portal_client)


@pytest.fixture
def slot(day):
    """The 09:00 slot of the test day (two seats)."""
    return day.slots.order_by("start").first()


def booking(slot, source: str = "online", **patient) -> dict:
    """A valid POST /tokens/ body for ``slot``."""
    person = PatientFactory.build()
    return {
        "slot": slot.pk,
        "source": source,
        "patient": {
            "name": patient.get("name", person.name),
            "phone": patient.get("phone", person.phone),
        },
    }


def issue_as(user, slot, source: str = "online", **kwargs):
    """A token booked through the engine on behalf of ``user`` (its created_by)."""
    from django.utils import timezone

    from tokens.services import token_book

    person = PatientFactory.build()
    return token_book(
        slot_id=slot.pk,
        source=source,
        name=person.name,
        phone=person.phone,
        actor=user,
        now=timezone.now(),
        **kwargs,
    ).token
