"""Bad input to POST /tokens/ is a 400 validation_error and changes nothing."""

import pytest

from tests.api.conftest import booking
from tokens.models import Patient, Token, TokenEvent

URL = "/api/v1/tokens/"


def _nothing_changed() -> bool:
    return Token.objects.count() == TokenEvent.objects.count() == Patient.objects.count() == 0


def _with(slot, changes: dict) -> dict:
    body = booking(slot)
    for key, value in changes.items():
        if key.startswith("patient_"):
            body["patient"][key.removeprefix("patient_")] = value
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "vip"}, "source"),
        ({"source": 5}, "source"),
        ({"strict": "maybe"}, "strict"),
        ({"slot": "seventeen"}, "slot"),
        ({"slot": [1]}, "slot"),
        ({"slot": -3}, "slot"),
        ({"date": "2020-01-01", "doctor": 1}, "date"),
        ({"date": "22/11/2030", "doctor": 1}, "date"),
        ({"patient": "Asha"}, "patient"),
        ({"patient_name": "x" * 10_000}, "patient"),
        ({"patient_name": ""}, "patient"),
        ({"patient_name": True}, "patient"),
        ({"patient_phone": "call me"}, "patient"),
        ({"patient_phone": "+91 98123"}, "patient"),
        ({"patient_phone": "1" * 40}, "patient"),
    ],
)
def test_it_rejects_a_bad_field(portal, slot, changes, field):
    r = portal.post(URL, _with(slot, changes), format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"
    assert field in r.json()["fields"]
    assert _nothing_changed()


@pytest.mark.parametrize("missing", ["source", "patient"])
def test_it_rejects_a_missing_field(portal, slot, missing):
    body = booking(slot)
    del body[missing]
    r = portal.post(URL, body, format="json")
    assert r.status_code == 400 and missing in r.json()["fields"]
    assert _nothing_changed()


def test_it_asks_for_doctor_and_date_without_a_slot(portal, slot):
    body = booking(slot)
    del body["slot"]
    r = portal.post(URL, body, format="json")
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"doctor", "date"}


def test_it_rejects_malformed_json(portal, slot):
    r = portal.post(URL, '{"slot": 1, "source": ', content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"
    assert _nothing_changed()


def test_it_rejects_a_list_instead_of_an_object(portal, slot):
    r = portal.post(URL, [booking(slot)], format="json")
    assert r.status_code == 400
    assert "non_field_errors" in r.json()["fields"]
    assert _nothing_changed()


def test_it_rejects_a_form_encoded_body(portal, slot):
    r = portal.post(
        URL, f"slot={slot.pk}&source=online", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_media_type"


def test_it_ignores_a_client_supplied_priority_or_status(portal, slot):
    body = {**booking(slot), "rank": 1, "status": "checked_in", "overbooked": True}
    r = portal.post(URL, body, format="json")
    token = Token.objects.get(pk=r.json()["id"])
    assert (token.rank, token.status, token.overbooked) == (4, "allocated", False)
