"""GET departments, doctors and slots; the slot queue (staff)."""

from tests.api.conftest import issue_as
from tests.factories import DoctorFactory

SLOT_FIELDS = {
    "id",
    "day",
    "doctor",
    "date",
    "start",
    "end",
    "capacity",
    "occupied",
    "available",
    "overbooked",
    "status",
}


def test_it_lists_departments(portal, day):
    body = portal.get("/api/v1/departments/").json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": day.doctor.department_id,
        "name": day.doctor.department.name,
    }


def test_it_lists_doctors_filtered_by_department(portal, day):
    DoctorFactory()
    body = portal.get(f"/api/v1/doctors/?department={day.doctor.department_id}").json()
    assert [d["code"] for d in body["results"]] == [day.doctor.code]
    assert set(body["results"][0]) == {
        "id",
        "name",
        "code",
        "department",
        "department_name",
        "room",
        "active",
    }


def test_it_hides_inactive_doctors_from_the_portal_only(portal, reception, day):
    DoctorFactory(active=False)
    assert portal.get("/api/v1/doctors/").json()["count"] == 1
    assert reception.get("/api/v1/doctors/").json()["count"] == 2


def test_it_shows_one_doctor(portal, day):
    assert portal.get(f"/api/v1/doctors/{day.doctor_id}/").json()["code"] == day.doctor.code


def test_it_answers_404_for_an_unknown_doctor(portal, db):
    r = portal.get("/api/v1/doctors/999999/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_shows_a_slot_with_its_occupancy(portal, slot):
    issue_as(None, slot)
    body = portal.get(f"/api/v1/slots/{slot.pk}/").json()
    assert set(body) == SLOT_FIELDS
    assert (body["capacity"], body["occupied"], body["available"]) == (2, 1, 1)
    assert (body["start"], body["end"], body["status"]) == ("09:00", "10:00", "open")
    assert body["overbooked"] == 0 and body["day"] == slot.day_id


def test_it_counts_an_emergency_overbook(portal, slot):
    for _ in range(3):
        issue_as(None, slot, "emergency")
    body = portal.get(f"/api/v1/slots/{slot.pk}/").json()
    assert (body["occupied"], body["available"], body["overbooked"]) == (3, 0, 1)


def test_it_lists_a_doctors_slots_on_a_date(portal, day):
    DoctorFactory()
    body = portal.get(f"/api/v1/slots/?doctor={day.doctor_id}&date=2030-01-07").json()
    assert body["count"] == 3
    assert [s["start"] for s in body["results"]] == ["09:00", "10:00", "11:00"]


def test_it_lists_only_available_slots_when_asked(portal, day, slot):
    issue_as(None, slot)
    issue_as(None, slot)
    body = portal.get(f"/api/v1/slots/?doctor={day.doctor_id}&available=true").json()
    assert slot.pk not in [s["id"] for s in body["results"]] and body["count"] == 2
    full = portal.get(f"/api/v1/slots/?doctor={day.doctor_id}&available=false").json()
    assert [s["id"] for s in full["results"]] == [slot.pk]


def test_it_lists_slots_by_department(portal, day):
    department = day.doctor.department_id
    assert portal.get(f"/api/v1/slots/?department={department}").json()["count"] == 3


def test_it_rejects_a_bad_slot_filter(portal, db):
    r = portal.get("/api/v1/slots/?date=tomorrow")
    assert r.status_code == 400 and "date" in r.json()["fields"]


def test_it_answers_404_for_a_page_past_the_end(portal, db):
    r = portal.get("/api/v1/slots/?page=9")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_lists_a_slots_queue_in_calling_order(reception, slot):
    online = issue_as(None, slot, "online")
    emergency = issue_as(None, slot, "emergency")
    body = reception.get(f"/api/v1/slots/{slot.pk}/queue/").json()
    assert [t["id"] for t in body] == [str(emergency.id), str(online.id)]
    assert body[0]["patient"]["name"] == emergency.patient.name


def test_it_keeps_the_queue_from_the_portal(portal, slot):
    assert portal.get(f"/api/v1/slots/{slot.pk}/queue/").status_code == 403
