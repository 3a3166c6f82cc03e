"""Oversized request bodies are refused with 413 before anything reads them."""

import json

import pytest

from tests.api.conftest import booking
from tokens.models import Patient, Token

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024


def test_a_one_megabyte_booking_is_refused_and_nothing_is_created(portal, slot):
    body = booking(slot)
    body["patient"]["name"] = "x" * MEGABYTE
    response = portal.post("/api/v1/tokens/", json.dumps(body), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "detail": "The request body is larger than 64 KiB.",
    }
    assert not Token.objects.exists() and not Patient.objects.exists()


def test_a_booking_of_ordinary_size_goes_through(portal, slot):
    assert portal.post("/api/v1/tokens/", booking(slot), format="json").status_code == 201


def test_pages_answer_413_in_plain_text(client):
    response = client.post("/login/", {"username": "x" * MEGABYTE, "password": "pw"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_the_limit_follows_the_setting(settings, portal, slot):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20  # bytes; a booking is ~90
    response = portal.post("/api/v1/tokens/", booking(slot), format="json")
    assert response.status_code == 413
