"""Smoke test of bench/benchmark.py: its --tiny size runs every figure end to end.

It checks that the script works and that its figures are sane, never how fast
anything is: performance is measured by the script, not asserted (README, "Performance").
The script drops and creates its own database, opd_bench_smoke, and runs
gunicorn on a free loopback port, so it never touches a real benchmark run.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"queries", "throughput", "contention", "simulate", "desk"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    # The script chooses its own database; nothing of the test run's may leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
    command = [sys.executable, "bench/benchmark.py", "--tiny", "--database", "opd_bench_smoke",
               "--port", str(free_port()), "--json", str(out)]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return {"stdout": done.stdout, **json.loads(out.read_text())}


def test_every_figure_is_printed_and_saved(bench):
    assert set(bench["figures"]) == FIGURES
    for number in range(1, 6):
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
