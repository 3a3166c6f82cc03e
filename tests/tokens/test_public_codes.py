"""The token's public code (tokens/public_codes.py): 22 base64url characters derived
from the token's UUID, one spelling per token, and the absolute status link."""

import uuid

import pytest
from django.test import RequestFactory

from tests.factories import issue
from tokens.public_codes import (
    public_code_uuid,
    status_url,
    token_from_public_code,
    token_public_code,
)

pytestmark = pytest.mark.django_db


def test_the_code_round_trips_to_the_token(day):
    token = issue(day, "online")
    code = token_public_code(token)
    assert len(code) == 22
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert public_code_uuid(code) == token.id
    assert token_from_public_code(code) == token


def test_every_uuid_has_one_code_and_back():
    for _ in range(200):
        token_id = uuid.uuid4()
        code = token_public_code(type("T", (), {"id": token_id})())
        assert public_code_uuid(code) == token_id


@pytest.mark.parametrize(
    "code",
    ["", "A" * 21, "A" * 23, "A" * 21 + "B", "A" * 20 + "+A", "A" * 20 + "/A", "A" * 20 + "=="],
)
def test_anything_else_is_no_code(code):
    assert public_code_uuid(code) is None
    assert token_from_public_code(code) is None


def test_an_unknown_code_finds_no_token(db):
    assert token_from_public_code(token_public_code(type("T", (), {"id": uuid.uuid4()})())) is None


def test_the_status_link_is_on_the_public_address(day, settings):
    settings.OPD_PUBLIC_URL = "https://opd.hospital.example"
    token = issue(day, "online")
    assert status_url(token) == f"https://opd.hospital.example/t/{token_public_code(token)}/"


def test_without_a_public_address_the_link_is_on_the_requests_host(day, settings):
    settings.OPD_PUBLIC_URL = ""
    token = issue(day, "online")
    request = RequestFactory().get("/tokens/x/slip/", HTTP_HOST="localhost:8000")
    assert status_url(token, request) == f"http://localhost:8000/t/{token_public_code(token)}/"
    with pytest.raises(ValueError, match="OPD_PUBLIC_URL"):
        status_url(token)
