import datetime as dt

import pytest
from django.core.management import call_command

from scheduling.models import RosterSession, Slot
from scheduling.services import slots_generate
from tests.conftest import at
from tests.factories import DAY, DoctorFactory, PatientFactory
from tokens.invariants import check_day
from tokens.services import token_issue

MONDAY = DAY  # 2030-01-07


@pytest.fixture
def doctor(db):
    doctor = DoctorFactory()
    RosterSession.objects.create(
        doctor=doctor, mon=True, wed=True, start=dt.time(9), end=dt.time(12),
        slot_minutes=60, capacity=4,
    )  # fmt: skip
    RosterSession.objects.create(
        doctor=doctor, mon=True, start=dt.time(14), end=dt.time(15, 30),
        slot_minutes=30, capacity=2,
    )  # fmt: skip
    return doctor


def test_it_creates_the_slots_of_each_session_on_roster_days(doctor):
    result = slots_generate(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=2))
    starts = sorted((s.day.date, s.start) for s in result.created)
    assert len(starts) == 3 + 3 + 3  # Monday: 3 + 3, Tuesday: none, Wednesday: 3
    assert (MONDAY, dt.time(14, 30)) in starts
    assert not Slot.objects.filter(day__date=MONDAY + dt.timedelta(days=1)).exists()


def test_it_gives_slots_the_session_capacity(doctor):
    slots_generate(date_from=MONDAY, date_to=MONDAY)
    assert Slot.objects.get(day__date=MONDAY, start=dt.time(9)).capacity == 4
    assert Slot.objects.get(day__date=MONDAY, start=dt.time(14)).capacity == 2


def test_running_it_twice_creates_nothing_twice(doctor):
    slots_generate(date_from=MONDAY, date_to=MONDAY)
    again = slots_generate(date_from=MONDAY, date_to=MONDAY)
    assert again.created == []
    assert again.skipped == 6
    assert Slot.objects.count() == 6


def test_it_never_touches_a_slot_that_holds_tokens(doctor):
    slots_generate(date_from=MONDAY, date_to=MONDAY)
    slot = Slot.objects.get(day__date=MONDAY, start=dt.time(9))
    token_issue(day=slot.day, patient=PatientFactory(), source="online", slot=slot, now=at(8))
    session = doctor.roster.get(start=dt.time(9))
    session.capacity = 1
    session.save()
    slots_generate(date_from=MONDAY, date_to=MONDAY)
    slot.refresh_from_db()
    assert slot.capacity == 4
    assert slot.tokens.count() == 1
    assert check_day(slot.day) == []


def test_it_only_generates_for_the_chosen_doctor(doctor):
    other = DoctorFactory()
    RosterSession.objects.create(
        doctor=other, mon=True, start=dt.time(9), end=dt.time(10), slot_minutes=60, capacity=1
    )
    slots_generate(date_from=MONDAY, date_to=MONDAY, doctor=other)
    assert list(Slot.objects.values_list("day__doctor", flat=True)) == [other.pk]


def test_the_command_generates_for_a_doctor_code(doctor, capsys):
    call_command("generate_slots", "--from", "2030-01-07", "--to", "2030-01-08",
                 "--doctor", doctor.code)  # fmt: skip
    assert "Created 6 slots" in capsys.readouterr().out
    call_command("generate_slots", "--from", "2030-01-07", "--to", "2030-01-08")
    assert "Created 0 slots" in capsys.readouterr().out
