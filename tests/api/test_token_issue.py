"""POST /api/v1/tokens/: booking a token (docs/api.md)."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.api.conftest import booking, issue_as
from tokens.models import Patient, Token

URL = "/api/v1/tokens/"
TOKEN_FIELDS = {
    "id",
    "number",
    "status",
    "source",
    "doctor",
    "date",
    "slot",
    "requested_slot",
    "position",
    "estimated_time",
    "overbooked",
    "displaced_count",
}


def test_it_books_a_seat_with_the_contract_shape(portal, slot):
    r = portal.post(URL, booking(slot), format="json")
    assert r.status_code == 201
    body = r.json()
    assert set(body) == TOKEN_FIELDS
    uuid.UUID(body["id"])
    assert body["status"] == "allocated" and body["slot"] == slot.pk
    assert body["requested_slot"] == slot.pk and body["doctor"] == slot.day.doctor_id
    assert body["date"] == "2030-01-07" and body["position"] == 1
    assert body["estimated_time"] == "2030-01-07T09:00:00+05:30"
    assert body["overbooked"] is False and body["displaced_count"] == 0


def test_it_books_the_earliest_slot_given_doctor_and_date(portal, day, slot):
    body = {**booking(slot), "doctor": day.doctor_id, "date": "2030-01-07"}
    del body["slot"]
    r = portal.post(URL, body, format="json")
    assert r.status_code == 201
    assert r.json()["slot"] == slot.pk


def test_it_records_who_issued_the_token(portal, portal_client, slot):
    r = portal.post(URL, booking(slot), format="json")
    assert Token.objects.get(pk=r.json()["id"]).created_by == portal_client


def test_it_shows_staff_the_patient_and_the_tokens_it_moved(reception, slot):
    walk_ins = [issue_as(None, slot, "walk_in") for _ in range(2)]
    r = reception.post(URL, booking(slot, "paid", name="Asha Rao"), format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["patient"]["name"] == "Asha Rao"
    [move] = body["moved"]
    assert move["id"] == str(walk_ins[1].id) and move["from_slot"] == slot.pk
    assert set(move) >= {"id", "number", "from_slot", "to_slot", "status"}


def test_it_never_shows_the_portal_whom_it_moved(portal, slot):
    issue_as(None, slot, "walk_in")
    issue_as(None, slot, "walk_in")
    body = portal.post(URL, booking(slot, "paid"), format="json").json()
    assert "moved" not in body and "patient" not in body


def test_it_waitlists_when_every_slot_is_full(reception, day):
    for s in day.slots.all():
        issue_as(None, s, "paid")
        issue_as(None, s, "paid")
    slot = day.slots.order_by("start").first()
    body = reception.post(URL, booking(slot), format="json").json()
    assert body["status"] == "waitlisted" and body["slot"] is None and body["position"] == 1


@pytest.mark.parametrize("source", ["paid", "follow_up", "online"])
def test_it_lets_the_portal_issue_its_sources(portal, slot, source):
    assert portal.post(URL, booking(slot, source), format="json").status_code == 201


@pytest.mark.parametrize("source", ["emergency", "walk_in"])
def test_it_refuses_the_portal_desk_only_sources(portal, slot, source):
    r = portal.post(URL, booking(slot, source), format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "source_not_allowed"
    assert Token.objects.count() == 0


@pytest.mark.parametrize("source", ["emergency", "walk_in"])
def test_it_lets_reception_issue_desk_sources(on_the_day, reception, slot, source):
    r = reception.post(URL, booking(slot, source), format="json")
    assert r.status_code == 201
    assert r.json()["status"] == "checked_in"


def test_it_answers_409_slot_full_with_alternatives_when_strict(portal, day, slot):
    issue_as(None, slot, "paid")
    issue_as(None, slot, "paid")
    r = portal.post(URL, {**booking(slot), "strict": True}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "slot_full"
    assert r.json()["alternatives"] == [s.pk for s in day.slots.order_by("start")[1:]]


def test_it_refuses_a_second_active_token_for_the_same_person(portal, slot):
    first = portal.post(URL, booking(slot, name="Asha Rao", phone="+919800000001"), format="json")
    r = portal.post(URL, booking(slot, name="asha  RAO", phone="09800000001"), format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate_token" and r.json()["id"] == first.json()["id"]


def test_it_books_a_second_person_on_the_same_phone(portal, slot):
    portal.post(URL, booking(slot, name="Asha Rao", phone="+919800000001"), format="json")
    r = portal.post(URL, booking(slot, name="Ravi Rao", phone="+919800000001"), format="json")
    assert r.status_code == 201


def test_it_answers_409_on_a_cancelled_day(portal, day, slot):
    day.cancelled = True
    day.save()
    r = portal.post(URL, booking(slot), format="json")
    assert r.status_code == 409 and r.json()["code"] == "day_cancelled"


def test_it_answers_409_on_a_closed_slot(portal, slot):
    slot.closed = True
    slot.save()
    r = portal.post(URL, booking(slot), format="json")
    assert r.status_code == 409 and r.json()["code"] == "slot_closed"


def test_it_answers_409_no_open_slot_when_the_doctor_does_not_work_that_day(portal, day, slot):
    body = {**booking(slot), "doctor": day.doctor_id, "date": "2030-01-08"}
    del body["slot"]
    r = portal.post(URL, body, format="json")
    assert r.status_code == 409 and r.json()["code"] == "no_open_slot"


def test_it_answers_409_slot_ended_for_a_slot_that_is_over(portal, slot, monkeypatch):
    late = timezone.make_aware(dt.datetime(2030, 1, 7, 10, 30))
    monkeypatch.setattr(timezone, "now", lambda: late)
    r = portal.post(URL, booking(slot), format="json")
    assert r.status_code == 409 and r.json()["code"] == "slot_ended"


def test_it_answers_404_for_an_unknown_slot(portal, slot):
    r = portal.post(URL, {**booking(slot), "slot": 999999}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert Patient.objects.count() == 0


def test_it_answers_404_for_an_unknown_doctor(portal, slot):
    body = {**booking(slot), "doctor": 999999, "date": "2030-01-07"}
    del body["slot"]
    r = portal.post(URL, body, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_answers_404_for_an_inactive_doctor(portal, day, slot):
    day.doctor.active = False
    day.doctor.save()
    r = portal.post(URL, booking(slot), format="json")
    assert r.status_code == 404


def test_it_refuses_a_slot_of_another_doctor(portal, slot):
    body = {**booking(slot), "doctor": slot.day.doctor_id + 1}
    r = portal.post(URL, body, format="json")
    assert r.status_code == 400 and "slot" in r.json()["fields"]
