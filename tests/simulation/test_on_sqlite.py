"""The quick start's engine: SQLite, where the booking writes through the ORM instead of
PostgreSQL's one statement (tokens/statements.py). The rest of the suite runs on
PostgreSQL, so this plays the demo and a simulated day on a throw-away SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, sqlite: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SQLITE_PATH=str(sqlite), DJANGO_LOG_LEVEL="WARNING")
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_demo_and_a_simulated_day_keep_every_invariant_on_sqlite(tmp_path):
    sqlite = tmp_path / "opd.sqlite3"
    manage("migrate", "--noinput", sqlite=sqlite)
    assert "Demo data ready (" in manage("load_demo", sqlite=sqlite)
    report = manage("simulate_day", "--doctors", "2", "--seed", "1", sqlite=sqlite)
    assert "Invariants I1–I6 hold on all 2 doctor-days." in report
    assert "no problems" in manage("check_invariants", sqlite=sqlite)
