import json

import pytest
from django.core.management import CommandError, call_command

from scheduling.models import Doctor, DoctorDay
from simulation import day as simulation
from tests.conftest import at
from tests.factories import issue, make_day
from tokens.models import ACTIVE, Notification, Status, Token

DATE = "2030-01-07"


def run(*args: str) -> dict:
    """simulate_day's JSON report (stdout must be nothing but JSON)."""
    from io import StringIO

    out = StringIO()
    call_command("simulate_day", "--date", DATE, "--report", "json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def played(db) -> dict:
    return run("--doctors", "2", "--seed", "7")


def test_it_plays_a_day_for_each_simulated_doctor(played):
    assert list(played["doctors"]) == ["SIMAA", "SIMAB"]
    assert played["day"]["issued"] > 40
    assert Doctor.objects.filter(code__startswith="SIM").count() == 2


def test_every_source_and_the_scenario_show_up(played):
    by_source = played["day"]["by_source"]
    assert all(by_source[s] > 0 for s in ("paid", "follow_up", "online", "walk_in"))
    assert played["scenario"]["late_doctor"]["minutes"] >= 20
    assert played["day"]["moved"] + played["day"]["by_status"]["completed"] > 0


def test_it_reports_the_messages_the_day_owed_by_kind(played):
    messages = played["messages"]
    assert messages["issued"] == played["day"]["issued"]  # one SMS per token, no portal
    assert messages["called"] > 0 and messages["slot_closed"] > 0
    assert sum(messages.values()) == Notification.objects.count()


def test_the_day_ends_with_nothing_in_play_and_sound(played):
    assert played["invariants"]["violations"] == {}
    assert not Token.objects.filter(status__in=ACTIVE).exists()
    assert not DoctorDay.objects.filter(closed_at__isnull=True).exists()


def test_no_shows_are_found_by_the_automatic_rule(played):
    assert played["day"]["auto_no_shows"] > 0
    assert played["day"]["by_status"]["no_show"] >= played["day"]["auto_no_shows"]


def test_the_same_seed_gives_the_same_report(db):
    first = run("--doctors", "1", "--seed", "3", "--reset")
    second = run("--doctors", "1", "--seed", "3", "--reset")
    assert first == second
    assert Token.objects.count() == first["day"]["issued"]


def test_another_seed_gives_another_day(db):
    assert run("--doctors", "1", "--seed", "1") != run("--doctors", "1", "--seed", "2", "--reset")


def test_running_again_without_reset_is_refused(played):
    with pytest.raises(CommandError, match="--reset"):
        run("--doctors", "2")


def test_a_corrupted_day_fails_the_command(db, monkeypatch):
    real_close = simulation.day_close

    def close_and_corrupt(*, day, now):
        result = real_close(day=day, now=now)
        # A token that claims a displacement its events do not show (I3).
        Token.objects.filter(day=day, seq=1).update(displaced_count=1)
        return result

    monkeypatch.setattr(simulation, "day_close", close_and_corrupt)
    with pytest.raises(CommandError, match="I3: SIMAA-001"):
        run("--doctors", "1")


def test_it_never_touches_real_doctors_days(db):
    real = make_day(1)
    token = issue(real, "online", now=at(8))
    run("--doctors", "1")
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED
    assert DoctorDay.objects.get(pk=real.pk).closed_at is None


def test_until_stops_the_clock_and_leaves_the_day_open(db):
    report = run("--doctors", "1", "--until", "10:30")
    assert report["clock"] == {"stopped_at": "10:30", "closed_at": None}
    assert Token.objects.filter(status__in=ACTIVE).exists()
    assert report["invariants"]["violations"] == {}


def test_the_text_report_has_a_row_per_doctor_and_the_check(db, capsys):
    call_command("simulate_day", "--date", DATE, "--doctors", "1", "--load", "0.5")
    out = capsys.readouterr().out
    assert "SIMAA" in out and "all" in out
    assert "Invariants I1–I6 hold on all 1 doctor-days." in out


@pytest.mark.parametrize(
    "args",
    [["--date", "2030-13-01"], ["--doctors", "0"], ["--load", "0"], ["--until", "25:00"]],
)
def test_bad_options_are_clear_errors(db, args):
    with pytest.raises(CommandError):
        call_command("simulate_day", *args)
