from django.core.management import call_command

from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tokens.invariants import check_day
from tokens.models import Status
from tokens.services import day_close, token_call, token_check_in, token_issue


def issue(day, source="online"):
    return token_issue(day=day, patient=PatientFactory(), source=source, now=at(8)).token


def test_closing_leaves_nothing_in_play(db):
    day = make_day(2)
    never_came, serving = issue(day, "online"), issue(day, "paid")
    token_check_in(token=serving, now=at(9))
    token_call(token=serving, now=at(9))
    waiting = issue(day, "walk_in")
    result = day_close(day=day, now=at(18))
    assert [t.pk for t in result.completed] == [serving.pk]
    assert [t.pk for t in result.no_show] == [never_came.pk]
    assert [t.pk for t in result.expired] == [waiting.pk]
    assert check_day(day) == []


def test_a_checked_in_token_never_called_expires(db):
    day = make_day(2)
    token = issue(day)
    token_check_in(token=token, now=at(9))
    day_close(day=day, now=at(18))
    token.refresh_from_db()
    assert token.status == Status.EXPIRED


def test_closing_twice_changes_nothing(db):
    day = make_day(1)
    issue(day), issue(day)
    day_close(day=day, now=at(18))
    again = day_close(day=day, now=at(19))
    assert again.already_closed and again.expired == []
    day.refresh_from_db()
    assert day.closed_at == at(18)


def test_the_command_closes_every_doctor_of_the_date(db, capsys):
    days = [make_day(1), make_day(1)]
    for day in days:
        issue(day), issue(day)
    call_command("close_day", "2030-01-07")
    out = capsys.readouterr().out
    assert "Expired 2, no-show 2, completed 0 on 2030-01-07." in out
    for day in days:
        day.refresh_from_db()
        assert day.closed_at is not None
