"""``manage.py check_invariants``: I1–I6 over every doctor-day, exit 1 on a violation."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import issue, make_day, slots_of
from tokens.services import token_cancel, token_check_in

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("check_invariants", *args, stdout=out)
    return out.getvalue()


def test_it_finds_nothing_on_sound_days(morning):
    day = make_day(1, 1)
    token_check_in(token=issue(day), now=morning)
    token_cancel(token=issue(day), now=morning)
    issue(make_day(2))
    assert "Checked 2 doctor-days, 3 tokens: no problems." in run()


def test_it_finds_a_token_pushed_over_capacity_and_exits_1():
    day = make_day(1, 1)
    first_slot, second_slot = slots_of(day)
    issue(day, slot=first_slot)
    late = issue(day, slot=first_slot)  # the 09:00 seat is taken: it gets 10:00
    assert late.slot == second_slot
    with connection.cursor() as cursor:  # behind the engine's back: no lock, no event
        cursor.execute(
            "UPDATE tokens_token SET slot_id = %s WHERE id = %s", [first_slot.pk, late.pk]
        )
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_invariants", stdout=out)
    assert failed.value.returncode == 1
    assert "I1: slot 09:00" in out.getvalue() and "I6:" in out.getvalue()
    assert "Checked 1 doctor-days, 2 tokens: 2 problems." in out.getvalue()


def test_it_checks_only_the_date_it_is_given():
    make_day(1, date=dt.date(2030, 1, 8))
    issue(make_day(1))
    assert "Checked 1 doctor-days, 1 tokens on 2030-01-07: no problems." in run(
        "--date", "2030-01-07"
    )


def test_it_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="not a date"):
        run("--date", "7 Jan")
