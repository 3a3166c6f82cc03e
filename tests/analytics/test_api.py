import pytest
from rest_framework.test import APIClient

from tests.factories import DoctorFactory


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


SUMMARY = "/api/v1/analytics/summary/?date=2030-01-07"


def test_anonymous_callers_must_authenticate(db):
    response = APIClient().get(SUMMARY)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_portal_clients_are_refused(portal_user):
    response = client_for(portal_user).get(SUMMARY)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["reception_user", "doctor_user", "admin_user"])
def test_staff_read_the_summary(role, request, known_day):
    response = client_for(request.getfixturevalue(role)).get(SUMMARY)
    assert response.status_code == 200
    body = response.json()
    assert (body["issued"], body["utilization"], body["wait"]["p90"]) == (6, 1.25, 42.0)
    assert body["days"][0]["by_source"]["online"] == 2


def test_a_bad_date_is_a_400_that_names_the_field(reception_user):
    response = client_for(reception_user).get("/api/v1/analytics/summary/?date=07-01-2030")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "date" in response.json()["fields"]


def test_the_doctor_day_lists_its_slots(reception_user, known_day):
    url = f"/api/v1/analytics/doctors/{known_day.doctor_id}/?date=2030-01-07"
    body = client_for(reception_user).get(url).json()
    assert body["by_status"]["completed"] == 5
    assert [(s["label"], s["displaced_out"]) for s in body["slots"]] == [
        ("09:00–10:00", 2),
        ("10:00–11:00", 0),
    ]
    assert (body["wait"]["mean"], body["wait"]["median"]) == (24.0, 20.0)


def test_a_doctor_without_slots_that_day_is_a_404(reception_user, known_day):
    url = f"/api/v1/analytics/doctors/{known_day.doctor_id}/?date=2030-01-08"
    response = client_for(reception_user).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_doctor_is_a_404(reception_user):
    doctor = DoctorFactory()
    response = client_for(reception_user).get(f"/api/v1/analytics/doctors/{doctor.pk + 1}/")
    assert response.status_code == 404


def test_the_slot_shows_displacements_and_overbooks(doctor_user, known_day):
    slot = known_day.slot_list[0]
    body = client_for(doctor_user).get(f"/api/v1/analytics/slots/{slot.pk}/").json()
    assert (body["capacity"], body["occupied"], body["overbooked"]) == (2, 3, 1)
    assert (body["displaced_in"], body["displaced_out"], body["utilization"]) == (0, 2, 1.5)
    assert body["doctor"] == known_day.doctor_id


def test_an_unknown_slot_is_a_404(reception_user):
    response = client_for(reception_user).get("/api/v1/analytics/slots/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_portal_clients_cannot_read_a_slot(portal_user, known_day):
    slot = known_day.slot_list[0]
    assert client_for(portal_user).get(f"/api/v1/analytics/slots/{slot.pk}/").status_code == 403
