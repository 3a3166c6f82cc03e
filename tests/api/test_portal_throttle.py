"""The portal's booking rate: POST /api/v1/tokens/ beyond OPD_PORTAL_BOOKING_RATE is a
429 with Retry-After; staff and reads are never throttled. (tests/conftest.py clears
the cache, where the counters live, before every test.)"""

import pytest

from tests.api.conftest import booking, client_for
from tests.factories import make_day
from tokens.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_rate(settings):
    settings.OPD_PORTAL_BOOKING_RATE = "3/min"


@pytest.fixture
def slot(db):
    return make_day(20).slots.get()


def book(client, slot):
    return client.post("/api/v1/tokens/", booking(slot), format="json")


def test_the_booking_after_the_rate_is_refused_with_retry_after(portal, slot):
    assert [book(portal, slot).status_code for _ in range(3)] == [201, 201, 201]
    response = book(portal, slot)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Expected available in" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Token.objects.count() == 3


def test_each_portal_client_has_its_own_count(portal, other_portal, slot):
    for _ in range(3):
        book(portal, slot)
    assert book(other_portal, slot).status_code == 201


def test_staff_are_never_throttled(reception, slot):
    assert {book(reception, slot).status_code for _ in range(5)} == {201}


def test_reads_are_not_counted(portal, slot):
    for _ in range(5):
        assert portal.get("/api/v1/tokens/").status_code == 200
    assert book(portal, slot).status_code == 201


def test_off_turns_the_limit_off(settings, portal_client, slot):
    settings.OPD_PORTAL_BOOKING_RATE = "off"
    portal = client_for(portal_client)
    assert {book(portal, slot).status_code for _ in range(5)} == {201}
