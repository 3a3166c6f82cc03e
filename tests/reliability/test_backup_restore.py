"""The backup procedure of docs/production.md, end to end: pg_dump -Fc a real
day, pg_restore it into a fresh database, and check_invariants passes there with
every token and event intact."""

import os
import re
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.conftest import at
from tests.factories import issue, make_day, slots_of
from tests.reliability.conftest import ROOT, database_url, pg_options
from tokens.services import token_call, token_cancel, token_check_in, token_complete

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only


def pg(tool: str, *args: str) -> None:
    """Run a PostgreSQL client tool against the test run's server."""
    env = {**os.environ, "PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
    subprocess.run([tool, *pg_options(), *args], check=True, env=env)


def build_a_day() -> None:
    """Two doctors' days with each kind of change: issue, displacement, waitlist,
    check-in, call, completion and cancellation (6 tokens)."""
    day = make_day(1, 1, 1)
    nine, ten, eleven = slots_of(day)
    seen = issue(day, slot=nine)
    bumped = issue(day, slot=ten)
    issue(day, "emergency", slot=ten)  # takes the 10:00 seat, bumps the online token
    waitlisted = issue(day, slot=nine)  # every seat is taken
    token_check_in(token=seen, now=at(8, 50))
    token_call(token=seen, now=at(9, 0))
    token_complete(token=seen, now=at(9, 10))
    token_cancel(token=waitlisted, now=at(9, 15), reason="Cannot come")
    bumped.refresh_from_db()
    assert (bumped.slot, bumped.displaced_count, waitlisted.slot) == (eleven, 1, None)
    other = make_day(2)
    issue(other)
    issue(other, "follow_up")


def rows(name: str) -> dict[str, list]:
    with psycopg.connect(database_url(name)) as db:
        return {
            "tokens": db.execute(
                "SELECT id::text, number, status, slot_id, displaced_count FROM tokens_token"
                " ORDER BY id"
            ).fetchall(),
            "events": db.execute(
                "SELECT id, token_id::text, kind, to_status FROM tokens_tokenevent ORDER BY id"
            ).fetchall(),
            # Restored sequences: the next event must not reuse a restored id.
            "next_event_id": db.execute(
                "SELECT last_value FROM pg_sequences"
                " WHERE sequencename = 'tokens_tokenevent_id_seq'"
            ).fetchall(),
        }


@pytest.fixture
def restore_database():
    name = connection.settings_dict["NAME"] + "_restore"
    pg("dropdb", "--if-exists", "--force", name)
    yield name
    pg("dropdb", "--if-exists", "--force", name)


def test_a_restored_backup_passes_the_invariants_with_every_token(tmp_path, restore_database):
    build_a_day()
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "opd.dump"
    pg("pg_dump", "-Fc", "-f", str(dump), source)
    pg("createdb", restore_database)
    pg("pg_restore", "--no-owner", "--exit-on-error", "-d", restore_database, str(dump))

    env = {**os.environ, "DATABASE_URL": database_url(restore_database)}
    env.pop("DJANGO_DEBUG", None)
    checked = subprocess.run(
        [sys.executable, "manage.py", "check_invariants"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    counts = re.search(r"Checked (\d+) doctor-days, (\d+) tokens: no problems", checked.stdout)
    assert counts is not None and counts.groups() == ("2", "6"), checked.stdout
    original = rows(source)
    assert rows(restore_database) == original
    assert len(original["tokens"]) == 6 and original["next_event_id"][0][0] is not None
