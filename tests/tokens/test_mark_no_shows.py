"""Rule 7: automatic no-shows after the slot's end plus the grace period."""

from django.core.management import call_command

from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tokens.invariants import check_day
from tokens.models import Status
from tokens.services import token_check_in, token_issue, tokens_mark_no_shows


def issue(day, source="online", slot=None):
    return token_issue(day=day, patient=PatientFactory(), source=source, slot=slot, now=at(8)).token


def test_it_waits_for_the_grace_period_after_the_slot_ends(settings, db):
    settings.OPD_NO_SHOW_GRACE_MINUTES = 15
    day = make_day(1)
    token = issue(day)
    assert tokens_mark_no_shows(now=at(10, 14)) == []
    assert [t.pk for t in tokens_mark_no_shows(now=at(10, 15))] == [token.pk]
    token.refresh_from_db()
    assert token.status == Status.NO_SHOW


def test_checked_in_tokens_are_never_marked(db):
    day = make_day(1)
    token = issue(day)
    token_check_in(token=token, now=at(9, 5))
    assert tokens_mark_no_shows(now=at(12)) == []


def test_running_it_again_marks_nothing_twice(db):
    day = make_day(1)
    issue(day)
    assert len(tokens_mark_no_shows(now=at(11))) == 1
    assert tokens_mark_no_shows(now=at(11, 1)) == []
    assert check_day(day) == []


def test_a_seat_freed_in_a_live_slot_goes_to_the_waitlist(db, settings):
    settings.OPD_NO_SHOW_GRACE_MINUTES = 0
    day = make_day(1, 1)  # 09–10, 10–11
    first, second = day.slots.order_by("start")
    late = issue(day, slot=first)
    issue(day, slot=second)
    waiting = issue(day, slot=second)
    # The 09–10 slot has ended: its freed seat is not live, nobody is promoted into it.
    tokens_mark_no_shows(now=at(10, 0))
    waiting.refresh_from_db()
    late.refresh_from_db()
    assert late.status == Status.NO_SHOW
    assert waiting.status == Status.WAITLISTED
    assert check_day(day) == []


def test_the_command_marks_overdue_tokens(db, capsys, settings):
    settings.OPD_NO_SHOW_GRACE_MINUTES = 15
    day = make_day(1, date=at(0).date())
    token = issue(day)
    call_command("mark_no_shows")  # real clock: 2030 is far ahead, nothing is overdue
    assert "Marked 0 no-shows" in capsys.readouterr().out
    token.refresh_from_db()
    assert token.status == Status.ALLOCATED
