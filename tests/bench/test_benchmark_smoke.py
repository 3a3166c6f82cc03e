"""Smoke test of bench/benchmark.py: its --tiny size runs every figure end to end.

It checks that the script works and that its figures are sane, never how fast
anything is: performance is measured by the script, not asserted (README, "Performance").
The script drops and creates its own database, named after the test database
(``<OPD_TEST_DB>_bench``, e.g. test_opd_bench) so that two suites running side by side
never share it, and runs gunicorn on a free loopback port, so it never touches a real
benchmark run. The database is dropped afterwards.
"""

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from bench.benchmark import SERVER

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"queries", "cpu", "throughput", "contention", "screens", "simulate", "desk"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_database(test_database: str) -> str:
    """``<test database>_bench``, shaped as bench/benchmark.py's --database accepts it
    (lower case, digits, _; at most 63 characters)."""
    name = re.sub(r"[^a-z0-9_]", "_", test_database.lower())
    return f"{name[:57]}_bench"


def drop_database(name: str) -> None:
    with psycopg.connect(SERVER + "postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_the_bench_database_is_named_after_the_test_database():
    assert bench_database("test_opd") == "test_opd_bench"
    assert bench_database("test_opd_devx") == "test_opd_devx_bench"
    assert bench_database("Test-OPD") == "test_opd_bench"
    assert len(bench_database("t" * 80)) == 63


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    database = bench_database(os.environ.get("OPD_TEST_DB", "test_opd"))
    # The script chooses its own database; nothing of the test run's may leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
    command = [sys.executable, "bench/benchmark.py", "--tiny", "--database", database,
               "--port", str(free_port()), "--json", str(out)]  # fmt: skip
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
        )
    finally:
        drop_database(database)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return {"stdout": done.stdout, **json.loads(out.read_text())}


def test_every_figure_is_printed_and_saved(bench):
    assert set(bench["figures"]) == FIGURES
    for number in range(1, 8):
        assert f"## {number}. " in bench["stdout"]
    assert bench["meta"]["cpus"] >= 1
    assert bench["meta"]["postgresql"].startswith("PostgreSQL")


def test_query_counts_are_positive_and_do_not_grow_with_the_day(bench):
    queries = bench["figures"]["queries"]
    rows = queries["rows"]
    assert rows
    for row in rows:
        for op in row["operations"].values():
            assert op["queries"] > 0
    for op in rows[0]["operations"]:
        assert len({row["operations"][op]["queries"] for row in rows}) == 1, op
    assert queries["constant"]
    # The setup did what the operation names say: someone was displaced or promoted.
    for op in ("emergency + displacement", "cancel + promotion", "no-show + promotion"):
        assert rows[0]["operations"][op]["moved"] >= 1


def test_load_figures_book_tokens_without_errors(bench):
    for name in ("throughput", "contention"):
        for row in bench["figures"][name]["rows"]:
            assert row["ok_per_s"] > 0
            assert row["error_rate"] == 0, row["statuses"]
            assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert bench["figures"][name]["capacity_violations"] == 0
    for row in bench["figures"]["throughput"]["rows"]:
        assert row["healthz"]["ok_per_s"] > 0
        assert row["ratio"] > 0


def test_a_booking_is_six_statements_with_its_outbox_and_its_cpu_is_measured(bench):
    cpu = bench["figures"]["cpu"]
    # The API key, BEGIN, the lock, the read, the write (with the SMS it owes and its
    # delivery task: docs/notifications.md), COMMIT.
    assert [q.split()[0] for q in cpu["statements"]] == [
        "SELECT", "BEGIN", "UPDATE", "SELECT", "WITH", "COMMIT"
    ]  # fmt: skip
    assert cpu["booking_cpu_ms"] > 0 and cpu["healthz_cpu_ms"] > 0


def test_screens_poll_without_errors_and_get_304s(bench):
    rows = bench["figures"]["screens"]["rows"]
    assert rows
    for row in rows:
        assert row["polls"] > 0 and row["errors"] == 0, row["statuses"]
        assert row["not_modified"] > 0  # the hall displays' second polls, at least


def test_simulate_day_rows(bench):
    rows = bench["figures"]["simulate"]["rows"]
    assert rows
    for row in rows:
        assert row["tokens"] > 0
        assert row["seconds"] > 0
        assert row["peak_rss_mib"] > 0


def test_desk_page_stays_within_its_query_budget(bench):
    rows = bench["figures"]["desk"]["rows"]
    assert rows
    for row in rows:
        assert 0 < row["queries"] <= 15
        assert row["ms_per_get"] > 0


def test_no_invariant_problems(bench):
    assert bench["invariant_problems"] == 0
    for figure in bench["figures"].values():
        assert figure["invariants"]["problems"] == 0
