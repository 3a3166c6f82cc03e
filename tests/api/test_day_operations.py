"""POST /doctor-days/{id}/delay/, /doctor-days/{id}/cancel/, /slots/{id}/close/."""

from tests.api.conftest import issue_as
from tokens.models import Token


def test_it_sets_the_doctors_delay_and_shifts_estimates(reception, day, slot):
    token = issue_as(None, slot)
    r = reception.post(f"/api/v1/doctor-days/{day.pk}/delay/", {"minutes": 20}, format="json")
    assert r.status_code == 200 and r.json()["delay_minutes"] == 20
    body = reception.get(f"/api/v1/tokens/{token.id}/").json()
    assert body["estimated_time"] == "2030-01-07T09:20:00+05:30"


def test_it_rejects_a_delay_out_of_range(reception, day):
    for minutes in (-5, 721, "late", None):
        r = reception.post(
            f"/api/v1/doctor-days/{day.pk}/delay/", {"minutes": minutes}, format="json"
        )
        assert r.status_code == 400 and "minutes" in r.json()["fields"]
    day.refresh_from_db()
    assert day.delay_minutes == 0


def test_it_refuses_a_delay_on_a_cancelled_day(reception, day):
    day.cancelled = True
    day.save()
    r = reception.post(f"/api/v1/doctor-days/{day.pk}/delay/", {"minutes": 5}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "day_cancelled"


def test_it_answers_404_for_an_unknown_day(reception, db):
    r = reception.post("/api/v1/doctor-days/999999/delay/", {"minutes": 5}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_cancels_a_day_and_lists_whom_to_phone(reception, day, slot):
    token = issue_as(None, slot)
    r = reception.post(
        f"/api/v1/doctor-days/{day.pk}/cancel/", {"reason": "Doctor ill"}, format="json"
    )
    assert r.status_code == 200
    [cancelled] = r.json()["cancelled"]
    assert cancelled["id"] == str(token.id) and cancelled["patient"]["phone"] == token.patient.phone
    assert r.json()["day"]["cancelled"] is True
    assert Token.objects.get(pk=token.pk).status == "cancelled"


def test_it_needs_a_reason_to_cancel_a_day(reception, day, slot):
    issue_as(None, slot)
    r = reception.post(f"/api/v1/doctor-days/{day.pk}/cancel/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    assert Token.objects.get().status == "allocated"


def test_it_refuses_to_cancel_a_day_twice(reception, day):
    url = f"/api/v1/doctor-days/{day.pk}/cancel/"
    reception.post(url, {"reason": "Doctor ill"}, format="json")
    r = reception.post(url, {"reason": "Again"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "day_cancelled"


def test_it_closes_a_slot_and_moves_its_patients(reception, day, slot):
    token = issue_as(None, slot)
    r = reception.post(f"/api/v1/slots/{slot.pk}/close/", {"reason": "Called to OT"}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["slot"]["status"] == "closed"
    [move] = body["moved"]
    assert move["id"] == str(token.id) and move["from_slot"] == slot.pk
    assert move["to_slot"] == day.slots.order_by("start")[1].pk


def test_it_refuses_to_close_a_closed_slot(reception, slot):
    reception.post(f"/api/v1/slots/{slot.pk}/close/", {}, format="json")
    r = reception.post(f"/api/v1/slots/{slot.pk}/close/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "slot_closed"


def test_it_shows_staff_a_doctor_day(reception, day):
    body = reception.get(f"/api/v1/doctor-days/{day.pk}/").json()
    assert body["doctor"] == day.doctor_id and body["date"] == "2030-01-07"


def test_it_keeps_day_operations_from_the_portal(portal, day, slot):
    r = portal.post(f"/api/v1/doctor-days/{day.pk}/cancel/", {"reason": "x"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert portal.post(f"/api/v1/slots/{slot.pk}/close/", {}, format="json").status_code == 403
