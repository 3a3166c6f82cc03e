"""Admin-only setup: POST departments, doctors and slots (docs/api.md)."""

import pytest

from scheduling.models import Department, Doctor, DoctorDay, Slot
from tests.factories import DepartmentFactory, DoctorFactory


def test_it_creates_a_department(admin, db):
    r = admin.post("/api/v1/departments/", {"name": "  Cardiology "}, format="json")
    assert r.status_code == 201 and r.json()["name"] == "Cardiology"


def test_it_refuses_a_duplicate_department(admin, db):
    DepartmentFactory(name="Cardiology")
    r = admin.post("/api/v1/departments/", {"name": "Cardiology"}, format="json")
    assert r.status_code == 400 and "name" in r.json()["fields"]
    assert Department.objects.count() == 1


def test_it_creates_a_doctor(admin, db):
    department = DepartmentFactory()
    body = {"name": "Dr Shah", "code": "SHA", "department": department.pk}
    r = admin.post("/api/v1/doctors/", body, format="json")
    assert r.status_code == 201
    assert r.json()["code"] == "SHA" and r.json()["active"] is True


@pytest.mark.parametrize("code", ["sha", "S", "SHAHSHAH", "SH4"])
def test_it_refuses_a_bad_doctor_code(admin, db, code):
    body = {"name": "Dr Shah", "code": code, "department": DepartmentFactory().pk}
    r = admin.post("/api/v1/doctors/", body, format="json")
    assert r.status_code == 400 and "code" in r.json()["fields"]
    assert Doctor.objects.count() == 0


def test_it_answers_404_for_a_doctor_in_an_unknown_department(admin, db):
    body = {"name": "Dr Shah", "code": "SHA", "department": 999999}
    assert admin.post("/api/v1/doctors/", body, format="json").status_code == 404


def _slot(of_doctor, **changes) -> dict:
    return {
        "doctor": of_doctor.pk,
        "date": "2030-01-07",
        "start": "09:00",
        "end": "10:00",
        "capacity": 4,
        **changes,
    }


def test_it_creates_a_slot_and_its_day(admin, db):
    doctor = DoctorFactory()
    r = admin.post("/api/v1/slots/", _slot(doctor), format="json")
    assert r.status_code == 201
    body = r.json()
    assert (body["capacity"], body["occupied"], body["available"], body["status"]) == (
        4,
        0,
        4,
        "open",
    )
    assert DoctorDay.objects.get(pk=body["day"]).doctor == doctor


def test_it_lets_a_superuser_create_slots(superuser, db):
    from tests.api.conftest import client_for

    r = client_for(superuser).post("/api/v1/slots/", _slot(DoctorFactory()), format="json")
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "08:00"}, "end"),
        ({"end": "09:00"}, "end"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -2}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"date": "2020-01-01"}, "date"),
        ({"date": "not a date"}, "date"),
        ({"start": "25:00"}, "start"),
        ({"doctor": "SHA"}, "doctor"),
        ({"doctor": None}, "doctor"),
    ],
)
def test_it_rejects_a_bad_slot(admin, db, changes, field):
    r = admin.post("/api/v1/slots/", _slot(DoctorFactory(), **changes), format="json")
    assert r.status_code == 400 and field in r.json()["fields"]
    assert Slot.objects.count() == DoctorDay.objects.count() == 0


@pytest.mark.parametrize("missing", ["doctor", "date", "start", "end", "capacity"])
def test_it_rejects_a_slot_with_a_missing_field(admin, db, missing):
    body = _slot(DoctorFactory())
    del body[missing]
    r = admin.post("/api/v1/slots/", body, format="json")
    assert r.status_code == 400 and missing in r.json()["fields"]
    assert Slot.objects.count() == 0


def test_it_rejects_an_overlapping_slot(admin, db):
    doctor = DoctorFactory()
    admin.post("/api/v1/slots/", _slot(doctor), format="json")
    r = admin.post("/api/v1/slots/", _slot(doctor, start="09:30", end="10:30"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    assert "non_field_errors" in r.json()["fields"] and Slot.objects.count() == 1


def test_it_answers_404_for_a_slot_of_an_unknown_doctor(admin, db):
    r = admin.post("/api/v1/slots/", _slot(DoctorFactory(), doctor=999999), format="json")
    assert r.status_code == 404 and DoctorDay.objects.count() == 0


def test_it_rejects_malformed_json_for_a_slot(admin, db):
    r = admin.post("/api/v1/slots/", "{capacity: 3", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_it_rejects_a_list_instead_of_a_slot(admin, db):
    r = admin.post("/api/v1/slots/", [_slot(DoctorFactory())], format="json")
    assert r.status_code == 400 and Slot.objects.count() == 0


@pytest.mark.parametrize("who", ["reception", "doctor", "portal"])
def test_it_keeps_setup_from_everyone_but_admins(request, db, who):
    client = request.getfixturevalue(who)
    r = client.post("/api/v1/slots/", _slot(DoctorFactory()), format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert Slot.objects.count() == 0
