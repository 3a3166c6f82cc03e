from django.contrib.auth import get_user_model
from django.core.management import call_command

from scheduling.models import Department, Doctor, DoctorDay, Slot
from tokens.invariants import check_day
from tokens.models import Source, Token


def test_it_creates_the_demo_hospital_and_logins(db, capsys):
    call_command("load_demo")
    assert Department.objects.count() == 3
    assert Doctor.objects.count() >= 4
    assert Slot.objects.exists()
    assert set(Token.objects.values_list("source", flat=True)) == set(Source.values)
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="reception").groups.filter(name="reception").exists()
    assert users.get(username="doctor").doctor_profile.code == "SHA"
    assert "opd-demo" in capsys.readouterr().out


def test_running_it_twice_changes_nothing(db):
    call_command("load_demo")
    counts = (Doctor.objects.count(), Slot.objects.count(), Token.objects.count())
    call_command("load_demo")
    assert (Doctor.objects.count(), Slot.objects.count(), Token.objects.count()) == counts
    for day in DoctorDay.objects.all():
        assert check_day(day) == []
