import datetime as dt

import pytest

from scheduling.models import RosterSession, Slot
from tests.factories import DoctorFactory, make_day


def test_slots_of_one_doctor_may_not_overlap(admin_client):
    day = make_day(2)
    response = admin_client.post(
        "/admin/scheduling/slot/add/",
        {"day": day.pk, "start": "09:30", "end": "10:30", "capacity": 2, "closed_reason": ""},
    )
    assert "overlaps the doctor&#x27;s 09:00–10:00 slot" in response.content.decode()
    assert day.slots.count() == 1


def test_a_slot_must_end_after_it_starts(admin_client):
    day = make_day(2)
    response = admin_client.post(
        "/admin/scheduling/slot/add/",
        {"day": day.pk, "start": "12:00", "end": "11:00", "capacity": 2, "closed_reason": ""},
    )
    assert "must end after it starts" in response.content.decode()
    assert day.slots.count() == 1


def test_a_roster_session_must_end_after_it_starts():
    session = RosterSession(doctor=DoctorFactory.build(), mon=True, start=dt.time(12),
                            end=dt.time(11), slot_minutes=30, capacity=2)  # fmt: skip
    with pytest.raises(Exception, match="must end after it starts"):
        session.clean()


@pytest.mark.django_db
def test_roster_sessions_of_one_doctor_may_not_overlap_on_a_shared_weekday():
    doctor = DoctorFactory()
    RosterSession.objects.create(doctor=doctor, mon=True, tue=True, start=dt.time(9),
                                 end=dt.time(12), slot_minutes=60, capacity=2)  # fmt: skip
    clash = RosterSession(doctor=doctor, tue=True, start=dt.time(11), end=dt.time(13),
                          slot_minutes=60, capacity=2)  # fmt: skip
    apart = RosterSession(doctor=doctor, wed=True, start=dt.time(11), end=dt.time(13),
                          slot_minutes=60, capacity=2)  # fmt: skip
    with pytest.raises(Exception, match="overlaps"):
        clash.clean()
    apart.clean()


def test_an_administrator_sets_up_a_week_and_generates_its_slots(admin_client):
    doctor = DoctorFactory()
    prefix = "roster-0-"
    data = {
        "name": doctor.name, "code": doctor.code, "department": doctor.department_id,
        "room": "12", "active": "on",
        "roster-TOTAL_FORMS": "1", "roster-INITIAL_FORMS": "0",
        "roster-MIN_NUM_FORMS": "0", "roster-MAX_NUM_FORMS": "1000",
        prefix + "mon": "on", prefix + "tue": "on", prefix + "start": "09:00",
        prefix + "end": "11:00", prefix + "slot_minutes": "30", prefix + "capacity": "3",
    }  # fmt: skip
    response = admin_client.post(f"/admin/scheduling/doctor/{doctor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = admin_client.post(
        "/admin/scheduling/doctor/",
        {"action": "generate_slots", "_selected_action": [doctor.pk], "apply": "1",
         "date_from": "2030-01-07", "date_to": "2030-01-13"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Slot.objects.filter(day__doctor=doctor).count() == 8  # Mon + Tue, 4 each
    page = admin_client.get(f"/admin/scheduling/doctorday/{doctor.days.first().pk}/change/")
    assert "0 / 3" in page.content.decode()
