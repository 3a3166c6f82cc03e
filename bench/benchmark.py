"""Benchmarks of the README's Performance section: one command reproduces every figure.

    .venv/bin/python bench/benchmark.py [--runs 3] [--seconds 20] [--quick]
        [--only queries,throughput,contention,simulate,desk] [--json out.json]
        [--tiny] [--database opd_bench] [--port 8099] [--workers 2,4] [--clients 8,32]
    make bench ARGS="--quick --json bench.json"

The PostgreSQL database (``--database``, default ``opd_bench``) is dropped and
created again first. Every timed figure is the median of ``--runs`` runs.

1. SQL queries per operation on doctor-days holding 10, 100 and 1,000 tokens:
   token_issue (an online token on a full day), token_issue(source="emergency")
   displacing an online token from the full first slot, token_cancel and
   token_mark_no_show of a seated token each promoting one from the waitlist, and
   POST /api/v1/tokens/ through Django's test client with a portal token. Counted
   with CaptureQueriesContext outside any test transaction, so they are what
   production sends. They are deterministic, so they are counted once.
2. API throughput: gunicorn (W = 2, 4 sync workers) on 127.0.0.1, C = 8, 32
   clients booking online tokens through POST /api/v1/tokens/ for --seconds,
   spread over 50 doctors; then the same load on GET /healthz (the framework and
   database floor) and the ratio of the two rates. Each repetition books into a
   fresh date. The load generator is a separate process (threads, one connection
   per request, as gunicorn's sync workers close them), so the GIL of the process
   that sets up and checks the days is not in its way.
3. Contention: the same booking load with every client on one doctor-day (one
   lock, the worst case), and the capacity of its slots checked directly in SQL.
4. simulate_day at 3, 30 and 300 doctors (--quick: 3, 30, 100): wall time of the
   whole command (interpreter start included), peak RSS, tokens/s, ms per token.
5. The reception desk page (GET /desk/, in-process through django.test.Client)
   for a doctor-day of 200 tokens, and of 20 to show that its query count does
   not grow: queries and ms per GET.

Markdown tables go to stdout, progress to stderr, raw results to --json. The
header gives the machine, versions, command and the load average at the start:
anything else busy on the machine skews every timed figure.

Each figure ends with tokens.invariants.check_day over every doctor-day it used;
the script exits 1 if any problem is found. --tiny is the smoke size that
tests/bench runs. Traffic stays on the loopback address and every loop is bounded.
"""

import argparse
import contextlib
import datetime as dt
import gzip
import http.client
import itertools
import json
import logging
import math
import multiprocessing
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432/"
DB = "opd_bench"
BENCH_REDIS = "redis://127.0.0.1:6379/9"
PORT = 8099
PY = sys.executable
FIGURES = ("queries", "cpu", "throughput", "contention", "screens", "simulate", "desk")
SPREAD_DOCTORS = 50
# No 2-core machine books this fast: the prebuilt bodies outlast any run.
MAX_RATE = 2000
REQUEST_TIMEOUT = 60
SIMULATE_TIMEOUT = 3600
_STARTED = time.perf_counter()
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


# --------------------------------------------------------------------------- database
# recreate_database, setup_django, make_doctor_day and SERVER are also used by
# bench/profile_booking.py.


def recreate_database(name: str = DB) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(SERVER + "postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def bench_environment() -> None:
    """Production settings for this process and its children (gunicorn, simulate_day)."""
    # As in the tests: collectstatic is not run, and WhiteNoise would say so every time.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    # No DEBUG: Django would keep a log of every query.
    os.environ.pop("DJANGO_DEBUG", None)
    # ...but over plain HTTP on loopback, from one portal client booking hundreds of
    # tokens a second, without collectstatic output (docs/security.md).
    os.environ.update(
        DJANGO_SECURE_SSL_REDIRECT="0", OPD_PORTAL_BOOKING_RATE="off", OPD_STATIC_MANIFEST="0"
    )
    # Several workers share a cache in production (docs/security.md): Redis, where
    # one answers on this machine (its database 9, emptied by setup_django).
    if "OPD_REDIS_URL" not in os.environ and _listening(6379):
        os.environ["OPD_REDIS_URL"] = BENCH_REDIS


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def setup_django(url: str = SERVER + DB) -> None:
    bench_environment()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opd_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # This process sets days up and checks them: its token events would bury the
    # progress lines. The servers and commands it measures keep logging them.
    logging.getLogger("opd.tokens").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if os.environ.get("OPD_REDIS_URL") == BENCH_REDIS:
        from django.core.cache import cache

        cache.clear()  # nothing a previous run left, e.g. a screen rendered then


def make_doctor_day(code: str, date: dt.date, slots: int, capacity: int, department="Bench"):
    """A new doctor with one day of ``slots`` half-hour slots from 08:00."""
    doctor = make_doctor(code, department)
    return doctor, add_day(doctor, date, slots, capacity)


def make_doctor(code: str, department: str = "Bench"):
    from scheduling.models import Department, Doctor

    dept, _ = Department.objects.get_or_create(name=department)
    return Doctor.objects.create(name=f"Dr {code}", code=code, department=dept)


def add_day(doctor, date: dt.date, slots: int, capacity: int):
    """The doctor's day on ``date`` with ``slots`` half-hour slots from 08:00.

    One bulk insert rather than slot_create per slot: the throughput figure sets
    up 50 fresh days per repetition, and the rows are the same."""
    from scheduling.models import DoctorDay, Slot

    if not 1 <= slots <= 30:
        raise ValueError("between 1 and 30 half-hour slots from 08:00")
    day = DoctorDay.objects.create(doctor=doctor, date=date)
    first = dt.datetime(2000, 1, 1, 8)
    half_hour = dt.timedelta(minutes=30)
    Slot.objects.bulk_create(
        Slot(
            day=day,
            start=(first + i * half_hour).time(),
            end=(first + (i + 1) * half_hour).time(),
            capacity=capacity,
        )
        for i in range(slots)
    )
    return day


_dates = itertools.count(1)
_phones = itertools.count(1)


def next_date() -> dt.date:
    """A date no doctor of this run has used yet, so repetitions start alike. In the
    future, so that no slot has ended for the API, which books at the real time."""
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=next(_dates))


def new_patient():
    from tokens.patients import patient_register

    return patient_register(name="Bench Patient", phone=f"+81{next(_phones):010d}")


def letters(i: int, width: int = 2) -> str:
    """``i`` in base 26 with capital letters: doctor codes must be letters only."""
    out = ""
    for _ in range(width):
        i, digit = divmod(i, 26)
        out = chr(65 + digit) + out
    return out


def layout(tokens: int) -> tuple[int, int]:
    """Slots and seats per slot for a full day of ``tokens`` with a waitlist left."""
    seated = tokens - max(2, tokens // 10)
    slots = max(1, min(20, seated // 2))
    return slots, seated // slots


def reception_user():
    from django.contrib.auth.models import Group, User

    from tokens.roles import RECEPTION

    user, _ = User.objects.get_or_create(username="bench-reception")
    user.groups.add(Group.objects.get_or_create(name=RECEPTION)[0])
    return user


def portal_key(name: str = "bench-portal") -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_portal_client", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1].strip()


def check_days(day_ids) -> dict:
    """tokens.invariants.check_day over the given doctor-days."""
    from scheduling.models import DoctorDay
    from tokens.invariants import check_day

    problems = [p for day in DoctorDay.objects.filter(pk__in=list(day_ids)) for p in check_day(day)]
    return {"days_checked": len(set(day_ids)), "problems": len(problems), "first": problems[:10]}


# --------------------------------------------------------------------------- statistics


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def rounded(value, digits: int = 1):
    return None if value is None else round(value, digits)


def note(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- 1. queries


def count_queries(fn) -> tuple[int, list[dict], object]:
    """The queries ``fn`` sends: how many, and each one's SQL (cut short) and ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    sql = [{"sql": q["sql"][:300], "ms": 1000 * float(q["time"])} for q in ctx.captured_queries]
    return len(sql), sql, result


def figure_queries(cfg) -> dict:
    from django.test import Client

    staff = reception_user()
    api = Client(HTTP_AUTHORIZATION=f"Token {portal_key()}")
    date = next_date()
    # First use fills per-process caches (content types, URL resolver): not counted.
    warm = full_day("QWARM", 10, date, staff)
    measure_operations(warm, staff, api)
    day_ids, rows = [warm.pk], []
    for i, size in enumerate(cfg.query_sizes):
        note(f"queries: a day of {size} tokens")
        day = full_day("Q" + letters(i), size, date, staff)
        day_ids.append(day.pk)
        rows.append(
            {"tokens": size, **day_shape(day), "operations": measure_operations(day, staff, api)}
        )
    counts = [{op: v["queries"] for op, v in row["operations"].items()} for row in rows]
    return {
        "rows": rows,
        "constant": all(c == counts[0] for c in counts),
        "invariants": check_days(day_ids),
    }


def full_day(code: str, size: int, date: dt.date, staff):
    """A day of ``size`` online tokens: every slot full, a waitlist, one checked in."""
    from django.utils import timezone

    from tokens.models import Status
    from tokens.services import token_check_in, token_issue

    slots, capacity = layout(size)
    _, day = make_doctor_day(code, date, slots, capacity)
    for _ in range(size):
        token_issue(
            day=day, patient=new_patient(), source="online", actor=staff, now=timezone.now()
        )
    # Outside the first slot, so the emergency still finds an allocated token to displace.
    seated = day.tokens.filter(status=Status.ALLOCATED).order_by("-seq").first()
    token_check_in(token=seated, actor=staff, now=on_the_day(date))
    return day


def on_the_day(date: dt.date) -> dt.datetime:
    """07:30 on ``date``, before its first slot: a patient is checked in only on the
    day of their token, and the bench's days lie ahead."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(date, dt.time(7, 30)))


def day_shape(day) -> dict:
    from tokens.models import Token

    slots = list(day.slots.all())
    statuses = Counter(Token.objects.for_day(day).values_list("status", flat=True))
    return {"slots": len(slots), "capacity": slots[0].capacity, "statuses": dict(statuses)}


def measure_operations(day, staff, api) -> dict:
    """Queries of each engine operation and of one API booking on ``day``."""
    from django.utils import timezone

    from tokens.models import Status
    from tokens.services import token_cancel, token_issue, token_mark_no_show

    tokens = day.tokens.order_by("seq")
    to_cancel = tokens.filter(status=Status.ALLOCATED).last()
    to_no_show = tokens.filter(status=Status.CHECKED_IN).last()
    online, emergency = new_patient(), new_patient()
    operations = {
        "issue": lambda: token_issue(
            day=day, patient=online, source="online", actor=staff, now=timezone.now()
        ),
        "emergency + displacement": lambda: token_issue(
            day=day, patient=emergency, source="emergency", actor=staff, now=timezone.now()
        ),
        "cancel + promotion": lambda: token_cancel(
            token=to_cancel, actor=staff, now=timezone.now()
        ),
        "no-show + promotion": lambda: token_mark_no_show(
            token=to_no_show, actor=staff, now=timezone.now()
        ),
        "POST /api/v1/tokens/": lambda: api_book(api, day),
    }
    out = {}
    for name, fn in operations.items():
        started = time.perf_counter()
        queries, sql, result = count_queries(fn)
        ms = 1000 * (time.perf_counter() - started)
        moved = len(getattr(result, "moved", []))
        if name.startswith(("emergency", "cancel", "no-show")) and not moved:
            raise SystemExit(f"queries: {name} on {day} moved nobody: the setup is wrong")
        statements = [q for q in sql if not q["sql"].startswith(TRANSACTION_CONTROL)]
        out[name] = {"queries": queries, "without_transaction_control": len(statements),
                     "ms": ms, "moved": moved, "sql": sql}  # fmt: skip
    return out


def api_book(api, day):
    body = {"doctor": day.doctor_id, "date": str(day.date), "source": "online",
            "patient": {"name": "Api Patient", "phone": f"+82{next(_phones):010d}"}}  # fmt: skip
    response = api.post("/api/v1/tokens/", json.dumps(body), content_type="application/json")
    if response.status_code != 201:
        raise SystemExit(f"queries: the API booking got {response.status_code}: {response.content}")
    return response


# --------------------------------------------------------------------------- load generator
# Runs in a child process (see figure 2); it imports nothing from Django.


def run_load(spec: dict) -> dict:
    """``spec["clients"]`` threads, each sending one request at a time until the deadline."""
    bodies = [_bodies(spec, client) for client in range(spec["clients"])]
    results: list[list[tuple[str, float]]] = [[] for _ in bodies]
    go = threading.Event()
    clock = {}

    def client(n: int) -> None:
        go.wait(timeout=60)
        for body in bodies[n]:
            if time.perf_counter() >= clock["deadline"]:
                return
            results[n].append(_request(spec, body))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    cpu_start = time.process_time()  # the load generator's own CPU, shared cores
    clock["start"] = time.perf_counter()
    clock["deadline"] = clock["start"] + spec["seconds"]
    go.set()
    for thread in threads:
        thread.join(timeout=spec["seconds"] + REQUEST_TIMEOUT + 10)
    elapsed = time.perf_counter() - clock["start"]
    client_cpu = time.process_time() - cpu_start
    done = [r for per_client in results for r in per_client]
    summary = _load_summary(
        spec,
        done,
        elapsed,
        exhausted=any(len(r) == len(b) for r, b in zip(results, bodies, strict=True)),
    )
    summary["client_cpu_ms"] = 1000 * client_cpu / len(done) if done else None
    return summary


def _bodies(spec: dict, client: int) -> list[bytes | None]:
    count = min(100_000, max(50, math.ceil(spec["seconds"] * MAX_RATE / spec["clients"])))
    booking = spec.get("booking")
    if booking is None:
        return [None] * count
    doctors, run, clients = booking["doctors"], booking["run"], spec["clients"]
    return [
        json.dumps(
            {
                "doctor": doctors[(client + i * clients) % len(doctors)],
                "date": booking["date"],
                "source": "online",
                # Unique per request: a second booking of one phone on a day is a 409.
                # An Indian mobile's length whatever the run (docs/api.md: possible numbers).
                "patient": {
                    "name": "Load Patient",
                    "phone": f"+91{run % 100:02d}{client:02d}{i:06d}",
                },
            }
        ).encode()
        for i in range(count)
    ]


def _request(spec: dict, body: bytes | None) -> tuple[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        conn.request(spec["method"], spec["path"], body=body, headers=spec["headers"])
        response = conn.getresponse()
        response.read()
        status = str(response.status)
    except (OSError, http.client.HTTPException) as exc:
        status = type(exc).__name__
    finally:
        conn.close()
    return status, time.perf_counter() - started


def _load_summary(spec: dict, done: list[tuple[str, float]], elapsed: float, exhausted: bool):
    latencies = sorted(seconds for _, seconds in done)
    statuses = Counter(status for status, _ in done)
    ok = statuses.get(spec["ok"], 0)
    return {
        "requests": len(done),
        "ok": ok,
        "seconds": elapsed,
        "ok_per_s": ok / elapsed if elapsed else 0.0,
        "p50_ms": _ms(percentile(latencies, 50)),
        "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "statuses": dict(statuses),
        "exhausted": exhausted,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1000 * seconds


# --------------------------------------------------------------------------- 2 and 3. load


# --------------------------------------------------------------------------- server CPU
# What the servers spent, read from /proc (Linux): user + system time of gunicorn (its
# master and workers) and of every PostgreSQL and Redis process, the exited ones
# included through their parent's children times. Unlike requests per second, CPU per
# request hardly moves with the machine's load: the fairer before/after comparison.
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(name, parent pid, own CPU seconds, waited-for children's CPU seconds)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return name, int(fields[1]), (utime + stime) / TICK, (cutime + cstime) / TICK


def server_cpu(gunicorn_pid: int | None) -> dict[str, float] | None:
    """Cumulative CPU seconds of gunicorn, PostgreSQL and Redis; None without /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    procs = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            procs[int(entry.name)] = stat
    totals = {"app": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (name, parent, own, children) in procs.items():
        if pid == gunicorn_pid or parent == gunicorn_pid:
            totals["app"] += own + (children if pid == gunicorn_pid else 0.0)
        elif name == "postgres" or name.startswith("redis"):
            kind = "postgres" if name == "postgres" else "redis"
            # The postmaster (its parent is no postgres) holds the exited backends' time.
            top = procs.get(parent, ("",))[0] != name
            totals[kind] += own + (children if top else 0.0)
    return totals


def cpu_per_request(before: dict | None, after: dict | None, requests: int) -> dict | None:
    """Milliseconds of each server's CPU per (successful) request between two readings."""
    if before is None or after is None or not requests:
        return None
    return {k: 1000 * (after[k] - before[k]) / requests for k in before}


@dataclass
class LoadSetup:
    pool: ProcessPoolExecutor
    port: int
    key: str
    seconds: float
    runs: itertools.count
    server_pid: int | None = None  # gunicorn's master, whose CPU each run reads

    def book(self, clients: int, doctors: list[int], date: dt.date, seconds=None) -> dict:
        booking = {"doctors": doctors, "date": str(date), "run": next(self.runs)}
        headers = {"Authorization": f"Token {self.key}", "Content-Type": "application/json"}
        return self._load(clients, "POST", "/api/v1/tokens/", headers, "201", booking, seconds)

    def health(self, clients: int, seconds=None) -> dict:
        return self._load(clients, "GET", "/healthz", {}, "200", None, seconds)

    def _load(self, clients, method, path, headers, ok, booking, seconds) -> dict:
        spec = {"port": self.port, "clients": clients, "method": method, "path": path,
                "headers": headers, "ok": ok, "booking": booking,
                "seconds": self.seconds if seconds is None else seconds}  # fmt: skip
        before = server_cpu(self.server_pid)
        result = self.pool.submit(run_load, spec).result(timeout=spec["seconds"] + 300)
        result["server_cpu_ms"] = cpu_per_request(before, server_cpu(self.server_pid), result["ok"])
        return result


def figure_load(cfg) -> dict:
    """Figures 2 and 3: they share each gunicorn, so it starts once per worker count."""
    spread = [make_doctor("SP" + letters(i)) for i in range(SPREAD_DOCTORS)]
    hot, warm = make_doctor("HOT"), make_doctor("WARM")
    spread_runs: dict = {}
    hot_runs: dict = {}
    warm_days = []
    server_logs = {}  # nothing above INFO is logged unless something failed
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        load = LoadSetup(pool, cfg.port, portal_key(), cfg.seconds, itertools.count(1))
        for workers in cfg.workers:
            with gunicorn(workers, cfg.port, SERVER + cfg.database) as server:
                load.server_pid = server.process.pid
                warm_days.append(warm_up(load, cfg, warm))
                for clients in cfg.clients:
                    for run in range(cfg.runs):
                        key = (workers, clients)
                        tag = f"W={workers} C={clients} run {run + 1}/{cfg.runs}"
                        if "throughput" in cfg.only:
                            note(f"throughput {tag}")
                            spread_runs.setdefault(key, []).append(
                                spread_run(load, clients, spread)
                            )
                        if "contention" in cfg.only:
                            note(f"contention {tag}")
                            hot_runs.setdefault(key, []).append(hot_run(load, clients, hot))
                        server.check()
                if server.log_tail():
                    server_logs[workers] = server.log_tail()
    out = {}
    if spread_runs:
        out["throughput"] = summarize_load(spread_runs, with_health=True, extra_days=warm_days)
    if hot_runs:
        out["contention"] = summarize_load(
            hot_runs, with_health=False, extra_days=[] if spread_runs else warm_days
        )
    for result in out.values():
        result["server_log_tail"] = server_logs
    return out


def warm_up(load: LoadSetup, cfg, doctor) -> int:
    """Each worker's first requests import views and open its connection: not measured."""
    day = add_day(doctor, next_date(), 20, 100)
    clients = max(cfg.clients)
    load.book(clients, [doctor.pk], day.date, seconds=cfg.warmup)
    load.health(clients, seconds=cfg.warmup)
    return day.pk


def spread_run(load: LoadSetup, clients: int, doctors) -> dict:
    date = next_date()
    days = [add_day(doctor, date, 10, 40) for doctor in doctors]
    booking = load.book(clients, [d.pk for d in doctors], date)
    health = load.health(clients)
    return {"date": str(date), "booking": booking, "healthz": health, "days": [d.pk for d in days]}


def hot_run(load: LoadSetup, clients: int, doctor) -> dict:
    date = next_date()
    day = add_day(doctor, date, 20, 100)
    return {"date": str(date), "booking": load.book(clients, [doctor.pk], date), "days": [day.pk]}


def summarize_load(runs_by_key: dict, with_health: bool, extra_days: list[int]) -> dict:
    """One row per (workers, clients); the invariants of every day booked, warm-ups too."""
    rows, day_ids = [], list(extra_days)
    for (workers, clients), runs in runs_by_key.items():
        day_ids += [pk for run in runs for pk in run["days"]]
        row = {"workers": workers, "clients": clients, **_medians([r["booking"] for r in runs])}
        if with_health:
            health = _medians([r["healthz"] for r in runs])
            row["healthz"] = health
            row["ratio"] = row["ok_per_s"] / health["ok_per_s"] if health["ok_per_s"] else None
        row["runs"] = runs
        rows.append(row)
    return {
        "rows": rows,
        "invariants": check_days(day_ids),
        "capacity_violations": capacity_violations(day_ids),
    }


def _medians(runs: list[dict]) -> dict:
    """Medians of the runs; errors and statuses are totals, so a rare error shows."""
    statuses = sum((Counter(r["statuses"]) for r in runs), Counter())
    total = sum(statuses.values())
    ok = sum(r["ok"] for r in runs)
    keys = ("requests", "ok_per_s", "p50_ms", "p95_ms", "p99_ms")
    cpu = [r["server_cpu_ms"] for r in runs if r.get("server_cpu_ms")]
    client = [r["client_cpu_ms"] for r in runs if r.get("client_cpu_ms") is not None]
    return {
        **{k: median(r[k] for r in runs) for k in keys},
        "server_cpu_ms": {k: median(c[k] for c in cpu) for k in cpu[0]} if cpu else None,
        "client_cpu_ms": median(client) if client else None,
        "error_rate": (total - ok) / total if total else None,
        "statuses": dict(statuses),
        "exhausted": any(r["exhausted"] for r in runs),
    }


def capacity_violations(day_ids) -> int:
    """Slots holding more non-emergency seats than their capacity, counted in one query."""
    from django.db.models import Count, F, Q

    from scheduling.models import Slot
    from tokens.models import SEAT_HOLDING

    regular = Q(tokens__status__in=SEAT_HOLDING, tokens__overbooked=False)
    return (
        Slot.objects.filter(day_id__in=list(day_ids))
        .annotate(regular=Count("tokens", filter=regular))
        .filter(regular__gt=F("capacity"))
        .count()
    )


class Gunicorn:
    def __init__(self, process: subprocess.Popen, log) -> None:
        self.process, self.log = process, log

    def check(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")

    def log_tail(self) -> str:
        """The end of what gunicorn logged, without the app's per-token INFO lines."""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines(keepends=True)
        return "".join(line for line in lines if '"level": "INFO"' not in line)[-3000:]


@contextlib.contextmanager
def gunicorn(workers: int, port: int, database_url: str):
    ensure_port_free(port)
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    # collectstatic is not run; WhiteNoise's warning would hide real errors in the log.
    env["PYTHONWARNINGS"] = "ignore:No directory at:UserWarning"
    binary = Path(PY).parent / "gunicorn"
    command = [str(binary), "opd_project.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
               "--log-level", "warning"]  # fmt: skip
    note(f"starting gunicorn -w {workers} on 127.0.0.1:{port}")
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Gunicorn(process, log)
        try:
            wait_for_health(server, port)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def ensure_port_free(port: int) -> None:
    with socket.socket() as probe:
        # Like gunicorn: TIME_WAIT sockets of the previous server do not block the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"127.0.0.1:{port} is in use: pass --port") from None


def wait_for_health(server: Gunicorn, port: int) -> None:
    for _ in range(300):
        server.check()
        status, _ = _request(
            {"port": port, "method": "GET", "path": "/healthz", "headers": {}}, None
        )
        if status == "200":
            return
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer /healthz in 30 s:\n{server.log_tail()}")


# --------------------------------------------------------------------------- 4. simulate_day


def figure_simulate(cfg) -> dict:
    env = {**os.environ, "DATABASE_URL": SERVER + cfg.database}
    rows = []
    for doctors in cfg.sim_sizes:
        runs = []
        for run in range(cfg.runs):
            note(f"simulate_day --doctors {doctors} run {run + 1}/{cfg.runs}")
            runs.append(simulate_once(doctors, env))
        seconds = median(r["seconds"] for r in runs)
        tokens = runs[-1]["tokens"]
        rows.append({
            "doctors": doctors,
            "tokens": tokens,
            "seconds": seconds,
            "tokens_per_s": tokens / seconds,
            "ms_per_token": 1000 * seconds / tokens if tokens else None,
            "peak_rss_mib": median(r["peak_kib"] for r in runs) / 1024,
            "runs": runs,
        })  # fmt: skip
    problems = sum(r["problems"] for row in rows for r in row["runs"])
    return {"rows": rows, "invariants": {"problems": problems}}


def simulate_once(doctors: int, env: dict) -> dict:
    command = [PY, "manage.py", "simulate_day", "--doctors", str(doctors), "--seed", "1",
               "--date", "2031-03-03", "--reset", "--report", "json"]  # fmt: skip
    code, out, err, seconds, peak_kib = run_measured(command, env, SIMULATE_TIMEOUT)
    try:
        report = json.loads(out)
    except ValueError:
        raise SystemExit(
            f"simulate_day --doctors {doctors} failed ({code}):\n{err[-3000:]}"
        ) from None
    problems = sum(len(ps) for ps in report["invariants"]["violations"].values())
    return {"seconds": seconds, "peak_kib": peak_kib, "tokens": report["day"]["issued"],
            "problems": problems, "exit_code": code}  # fmt: skip


# Runs the command as its child and writes the child's peak RSS (KiB) to a file.
_PEAK_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "with open(sys.argv[1], 'w') as f: f.write(str(peak))\n"
    "sys.exit(code)\n"
)


def run_measured(command: list[str], env: dict, timeout: float):
    """Run ``command``; its exit code, output, wall seconds and peak RSS in KiB.

    Linux carries a process's peak RSS across exec: a child forked from this
    process, which holds the benchmark's data, would report this process's size
    whenever its own peak is smaller. So a small launcher process runs the
    command and reports its child's peak (RUSAGE_CHILDREN, taken after one wait)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        started = time.perf_counter()
        launched = [PY, "-c", _PEAK_LAUNCHER, peak.name, *command]
        process = subprocess.Popen(
            launched, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the launcher and the command
            process.wait()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        peak_kib = int(peak.read() or 0)
        return (process.returncode, out.read().decode(), err.read().decode(), seconds, peak_kib)


# --------------------------------------------------------------------------- 5. desk


def figure_desk(cfg) -> dict:
    from django.test import Client

    staff = reception_user()
    client = Client()
    client.force_login(staff)
    date = next_date()
    rows, day_ids = [], []
    for i, size in enumerate(cfg.desk_sizes):
        note(f"desk: a day of {size} tokens")
        day = desk_day("DK" + letters(i), size, date, staff)
        day_ids.append(day.pk)
        url = f"/desk/?doctor={day.doctor_id}&date={day.date}"
        get_desk(client, url)  # the first render compiles the templates
        queries, sql, _ = count_queries(lambda url=url: get_desk(client, url))
        runs = [time_gets(client, url, cfg.desk_gets) for _ in range(cfg.runs)]
        rows.append(
            {"tokens": size, **day_shape(day), "queries": queries, "ms_per_get": median(runs),
             "runs_ms": runs, "sql": sql}
        )  # fmt: skip
    return {"rows": rows, "gets_per_run": cfg.desk_gets, "invariants": check_days(day_ids)}


def desk_day(code: str, size: int, date: dt.date, staff):
    """A day of ``size`` tokens: a fifth completed, one in consultation, three tenths
    checked in, the rest allocated, and a waitlist."""

    from tokens.models import Status
    from tokens.services import token_call, token_check_in, token_complete, token_issue

    slots, capacity = layout(size)
    _, day = make_doctor_day(code, date, slots, capacity, department="Bench desk")
    for i in range(size):
        source = "walk_in" if i % 4 == 3 else "online"
        token_issue(
            day=day, patient=new_patient(), source=source, actor=staff, now=on_the_day(date)
        )
    seated = list(
        day.tokens.filter(status__in=(Status.ALLOCATED, Status.CHECKED_IN)).order_by(
            "slot__start", "seq"
        )
    )
    done, present = len(seated) // 5, len(seated) * 3 // 10
    for n, token in enumerate(seated[: done + 1 + present]):
        if token.status == Status.ALLOCATED:
            token_check_in(token=token, actor=staff, now=on_the_day(date))
        if n <= done:
            token_call(token=token, actor=staff, now=on_the_day(date))
        if n < done:
            token_complete(token=token, actor=staff, now=on_the_day(date))
    return day


def get_desk(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"desk: GET {url} returned {response.status_code}")
    return response


def time_gets(client, url: str, gets: int) -> float:
    started = time.perf_counter()
    for _ in range(gets):
        get_desk(client, url)
    return 1000 * (time.perf_counter() - started) / gets


# --------------------------------------------------------------------------- 6. CPU per booking


def figure_cpu(cfg) -> dict:
    """CPU of this process per ``POST /api/v1/tokens/`` and per ``GET /healthz``, both
    through Django's test client and the whole middleware stack, in alternating
    batches so that the machine's drift touches both alike; and the statements of one
    booking, counted outside any transaction (``BEGIN`` and ``COMMIT`` included)."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from scheduling.models import DoctorDay

    date = next_date()
    doctors = [make_doctor_day(f"CP{letters(i)}", date, 10, 40)[0] for i in range(20)]
    api = Client(HTTP_AUTHORIZATION=f"Token {portal_key()}")
    health = Client()
    count = itertools.count()

    def book() -> None:
        i = next(count)
        body = {"doctor": doctors[i % len(doctors)].pk, "date": str(date), "source": "online",
                "patient": {"name": "Cpu Patient", "phone": f"+8190{i:08d}"}}  # fmt: skip
        response = api.post("/api/v1/tokens/", json.dumps(body), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"cpu: booking answered {response.status_code}")

    def ping() -> None:
        if health.get("/healthz").status_code != 200:
            raise SystemExit("cpu: /healthz is not 200")

    for _ in range(20):  # imports, URL resolver, the first connection: not measured
        book(), ping()
    reset_queries()
    with CaptureQueriesContext(connection) as booking_sql:
        book()
    # Read now: the captured list is a view of the connection's log, which every
    # later request clears.
    statements = [q["sql"][:200] for q in booking_sql.captured_queries]
    spent = {"booking": 0.0, "healthz": 0.0}
    batch, batches = (10, 2) if cfg.cpu_requests < 100 else (50, cfg.cpu_requests // 50)
    for _ in range(batches):
        for name, fn in (("healthz", ping), ("booking", book)):
            started = time.process_time()
            for _ in range(batch):
                fn()
            spent[name] += time.process_time() - started
    requests = batch * batches
    booking_ms, health_ms = (1000 * spent[k] / requests for k in ("booking", "healthz"))
    day_ids = list(
        DoctorDay.objects.filter(doctor__in=doctors, date=date).values_list("pk", flat=True)
    )
    return {
        "requests_each": requests,
        "booking_cpu_ms": booking_ms,
        "healthz_cpu_ms": health_ms,
        "ratio": booking_ms / health_ms,
        "statements": statements,
        "invariants": check_days(day_ids),
    }


def render_cpu(result: dict) -> str:
    statements = result["statements"]
    return (
        "## 6. CPU per booking, in one process (`time.process_time()`)\n\n"
        + table(
            ["", "CPU per request", "requests"],
            [
                [
                    "`POST /api/v1/tokens/`",
                    f"{result['booking_cpu_ms']:.2f} ms",
                    result["requests_each"],
                ],
                ["`GET /healthz`", f"{result['healthz_cpu_ms']:.2f} ms", result["requests_each"]],
                ["booking ÷ healthz", f"**{result['ratio']:.1f}×**", ""],
            ],
        )
        + f"\n\nStatements of one booking ({len(statements)}): "
        + ", ".join(f"`{q.split()[0]}`" for q in statements)
    )


# --------------------------------------------------------------------------- 7. screens
# How many polling screens one server sustains: N/2 desks and N/2 hall displays, every
# 5 s with the ETag of their last answer, as the browser does (static/js/screens.js),
# while the portal books about one token a second spread over a hospital's 50 doctors,
# the watched one among them (its day changes about once a minute). A desk polls as
# its page does: where the page has a pulse (one poll for the desk; on a change its
# answer brings the four regions out of band — or, before that, the regions ask
# again), the pulse; before it, each of its four regions.

DESK_REGIONS = ("slot-board", "token-list", "waitlist", "calling-order")
PULSE = "desk-pulse"
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}  # what Chromium sends
POLL_SECONDS = 5.0


def run_screens(spec: dict) -> dict:
    """Child process: the screens' polls and the background bookings, paced in time."""
    import heapq
    import queue
    import random

    rng = random.Random(spec["screens"])
    due: list = []
    pulsing = spec["pulse"]
    desk = {"Cookie": spec["cookie"]}
    for screen in range(spec["screens"]):
        offset = rng.uniform(0, POLL_SECONDS)
        if screen % 2:
            due.append((offset, screen, spec["display"], "hall-board", {}))
        elif pulsing:
            due.append((offset, screen, spec["desk"], PULSE, desk))
        else:
            for region in DESK_REGIONS:
                due.append((offset + rng.uniform(0, 0.2), screen, spec["desk"], region, desk))
    heapq.heapify(due)
    work: queue.Queue = queue.Queue()
    etags: dict = {}
    done: list = []
    # Each screen first loads its regions (rendered, not measured), as a browser does
    # when the page opens; the measured window then starts, at each screen's own offset.
    with ThreadPoolExecutor(max_workers=spec["threads"]) as warm:
        for _at, screen, path, target, extra in due:
            targets = [target, *DESK_REGIONS] if target == PULSE else [target]
            for each in targets:
                headers = {"HX-Request": "true", "HX-Target": each, **extra}
                warm.submit(_warm, spec["port"], path, headers, etags, (screen, each))
    start = time.perf_counter()
    deadline = start + spec["seconds"]

    def ask(screen: int, path: str, target: str, extra: dict, wanted: float) -> tuple[str, bool]:
        headers = {"HX-Request": "true", "HX-Target": target, **BROWSER, **extra}
        if (screen, target) in etags:
            headers["If-None-Match"] = etags[screen, target]
        status, _, etag, out_of_band = _poll(spec["port"], path, headers)
        if etag:
            etags[screen, target] = etag
        # From when the screen wanted it: waiting for a free connection counts.
        done.append((status, time.perf_counter() - wanted))
        return status, out_of_band

    def worker() -> None:
        while (item := work.get()) is not None:
            at, screen, path, target, extra = item
            if time.perf_counter() >= deadline:
                continue  # the run is over: an overloaded server's backlog is not sent
            status, out_of_band = ask(screen, path, target, extra, start + at)
            # A changed pulse that did not bring the regions (hx-swap-oob) only said
            # so ("deskChanged", before 2026-12-03's change): the regions then ask.
            if target == PULSE and status == "200" and not out_of_band:
                changed = time.perf_counter()
                for region in DESK_REGIONS:
                    ask(screen, path, region, extra, changed)

    def booker() -> None:
        n = 0
        while time.perf_counter() < deadline:
            doctor = spec["doctors"][n % len(spec["doctors"])]
            phone = f"+8290{spec['screens']:04d}{n:05d}"
            body = json.dumps({"doctor": doctor, "date": spec["date"], "source": "online",
                               "patient": {"name": "Screen Patient", "phone": phone}})  # fmt: skip
            _request({"port": spec["port"], "method": "POST", "path": "/api/v1/tokens/",
                      "headers": spec["booking_headers"]}, body.encode())  # fmt: skip
            n += 1
            time.sleep(max(0.0, start + n * spec["booking_interval"] - time.perf_counter()))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec["threads"])]
    threads.append(threading.Thread(target=booker, daemon=True))
    for thread in threads:
        thread.start()
    while due:
        at, *rest = heapq.heappop(due)
        if start + at >= deadline:
            break
        time.sleep(max(0.0, start + at - time.perf_counter()))
        work.put((at, *rest))
        heapq.heappush(due, (at + POLL_SECONDS, *rest))
    for _ in range(spec["threads"]):
        work.put(None)
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    elapsed = time.perf_counter() - start
    latencies = sorted(seconds for _, seconds in done)
    statuses = Counter(status for status, _ in done)
    return {
        "screens": spec["screens"],
        "polls": len(done),
        "polls_per_s": len(done) / elapsed,
        "not_modified": statuses.get("304", 0),
        "statuses": dict(statuses),
        "p50_ms": _ms(percentile(latencies, 50)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "errors": sum(n for s, n in statuses.items() if s not in ("200", "304")),
    }


def _page(port: int, path: str, cookie: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        return conn.getresponse().read()
    finally:
        conn.close()


def _warm(port: int, path: str, headers: dict, etags: dict, key: tuple) -> None:
    etag = _poll(port, path, headers)[2]
    if etag:
        etags[key] = etag


def _poll(port: int, path: str, headers: dict) -> tuple[str, float, str | None, bool]:
    """Status, seconds, ETag, and whether the body carried regions out of band."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return str(response.status), elapsed, response.getheader("ETag"), b"hx-swap-oob" in body
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, time.perf_counter() - started, None, False
    finally:
        conn.close()


def figure_screens(cfg) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from scheduling.models import DoctorDay

    staff = reception_user()
    login = Client()
    login.force_login(staff)
    cookie = f"{settings.SESSION_COOKIE_NAME}={login.cookies[settings.SESSION_COOKIE_NAME].value}"
    date = next_date()
    watched = desk_day("SCW", cfg.screens_day_size, date, staff)
    department = watched.doctor.department
    others = [make_doctor_day(f"SC{letters(i)}", date, 20, 100, department.name)[0]
              for i in range(49)]  # fmt: skip
    # The hall display shows today: the watched doctor's day of today, as large.
    today = add_day(watched.doctor, timezone.localdate(), 10, 40)
    desk = f"/desk/?doctor={watched.doctor_id}&date={date}"
    # Long enough for every screen to poll at least twice after its page loaded.
    seconds = max(cfg.seconds, 2 * POLL_SECONDS + 1)
    spec = {
        "port": cfg.port, "seconds": seconds, "threads": 32, "cookie": cookie,
        "desk": desk,
        "display": f"/display/?department={department.pk}",
        "doctors": [watched.doctor_id, *(d.pk for d in others)], "date": str(date),
        "booking_interval": 1.0,
        "booking_headers": {"Authorization": f"Token {portal_key()}",
                            "Content-Type": "application/json"},
    }  # fmt: skip
    rows = []
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=context) as pool,
        gunicorn(cfg.screens_workers, cfg.port, SERVER + cfg.database) as server,
    ):
        spec["pulse"] = f'id="{PULSE}"'.encode() in _page(cfg.port, desk, cookie)
        for screens in cfg.screens:
            note(f"screens: {screens} polling every {POLL_SECONDS:.0f} s")
            run = pool.submit(run_screens, {**spec, "screens": screens})
            rows.append(run.result(timeout=seconds + 300))
            server.check()
    sustained = [r["screens"] for r in rows if r["p99_ms"] is not None
                 and r["p99_ms"] < 200 and r["errors"] == 0]  # fmt: skip
    day_ids = [watched.pk, today.pk, *DoctorDay.objects.filter(
        doctor__in=others, date=date).values_list("pk", flat=True)]  # fmt: skip
    return {
        "workers": cfg.screens_workers,
        "day_tokens": cfg.screens_day_size,
        "pulse": spec["pulse"],
        "rows": rows,
        "sustained": max(sustained, default=0),
        "invariants": check_days(day_ids),
    }


def render_screens(result: dict) -> str:
    rows = [
        [r["screens"], f"{r['polls_per_s']:.0f}", percent(r["not_modified"] / max(r["polls"], 1)),
         rounded(r["p50_ms"]), rounded(r["p99_ms"]), r["errors"]]
        for r in result["rows"]
    ]  # fmt: skip
    return (
        f"## 7. Screens one server sustains ({result['workers']} gunicorn workers; desks on a "
        f"{result['day_tokens']}-token day, each "
        + ("polling its pulse" if result.get("pulse") else "polling its four regions")
        + f" every {POLL_SECONDS:.0f} s; about one booking a second in the background)\n\n"
        + table(["screens", "polls/s", "answered 304", "p50 ms", "p99 ms", "errors"], rows)
        + f"\n\n**Sustained with p99 < 200 ms and no error: {result['sustained']} screens.**"
    )


# --------------------------------------------------------------------------- output


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("–" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def statuses_text(statuses: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))


def render_queries(result: dict) -> str:
    ops = list(result["rows"][0]["operations"])
    rows = [
        [r["tokens"], f"{r['slots']}×{r['capacity']}"]
        + [r["operations"][op]["queries"] for op in ops]
        for r in result["rows"]
    ]
    timings = [
        [r["tokens"], f"{r['slots']}×{r['capacity']}"]
        + [rounded(r["operations"][op]["ms"]) for op in ops]
        for r in result["rows"]
    ]
    verdict = "constant" if result["constant"] else "NOT constant"
    return (
        "## 1. SQL queries per operation\n\n"
        "Counted once (they are deterministic), outside any test transaction: BEGIN, "
        "SAVEPOINT and COMMIT are included, as each is a round trip. Each day is full "
        "with a waitlist, so `issue` (an online token) finds no seat and no one to "
        "displace and is waitlisted.\n\n"
        + table(["tokens in day", "slots × seats", *ops], rows)
        + f"\n\nQuery counts across day sizes: **{verdict}**. "
        + invariants_text(result["invariants"])
        + "\n\nThe same calls timed (ms; one call each, so indicative only, not a median):\n\n"
        + table(["tokens in day", "slots × seats", *ops], timings)
    )


def render_throughput(result: dict) -> str:
    header = ["workers", "clients", "requests", "tokens/s", "p50 ms", "p95 ms", "p99 ms",
              "errors", "statuses", "server CPU ms per token (app + PostgreSQL + Redis)",
              "load generator CPU ms per request", "healthz req/s", "healthz p50 ms",
              "server CPU ms per healthz",
              "tokens/s ÷ healthz"]  # fmt: skip
    rows = [
        [r["workers"], r["clients"], round(r["requests"]), rounded(r["ok_per_s"]),
         rounded(r["p50_ms"]), rounded(r["p95_ms"]), rounded(r["p99_ms"]),
         percent(r["error_rate"]), statuses_text(r["statuses"]), cpu_text(r["server_cpu_ms"]),
         rounded(r.get("client_cpu_ms"), 2), rounded(r["healthz"]["ok_per_s"]),
         rounded(r["healthz"]["p50_ms"]),
         cpu_text(r["healthz"]["server_cpu_ms"]), percent(r["ratio"])]
        for r in result["rows"]
    ]  # fmt: skip
    return (
        "## 2. API throughput (POST /api/v1/tokens/, 50 doctors) and the /healthz floor\n\n"
        + table(header, rows)
        + "\n\nMedians of the runs; errors and statuses over all runs. "
        + invariants_text(result["invariants"])
        + exhausted_text(result)
    )


def render_contention(result: dict) -> str:
    header = ["workers", "clients", "requests", "tokens/s", "p50 ms", "p95 ms", "p99 ms",
              "errors", "statuses",
              "server CPU ms per token (app + PostgreSQL + Redis)"]  # fmt: skip
    rows = [
        [r["workers"], r["clients"], round(r["requests"]), rounded(r["ok_per_s"]),
         rounded(r["p50_ms"]), rounded(r["p95_ms"]), rounded(r["p99_ms"]),
         percent(r["error_rate"]), statuses_text(r["statuses"]), cpu_text(r["server_cpu_ms"])]
        for r in result["rows"]
    ]  # fmt: skip
    return (
        "## 3. Contention: every client on one doctor-day (20 slots × 100)\n\n"
        + table(header, rows)
        + f"\n\nSlots over capacity (direct SQL): {result['capacity_violations']}. "
        + invariants_text(result["invariants"])
        + exhausted_text(result)
    )


def render_simulate(result: dict) -> str:
    rows = [
        [r["doctors"], r["tokens"], rounded(r["seconds"]), rounded(r["tokens_per_s"]),
         rounded(r["ms_per_token"]), rounded(r["peak_rss_mib"], 0)]
        for r in result["rows"]
    ]  # fmt: skip
    return (
        "## 4. simulate_day (wall time of the whole command, interpreter start included)\n\n"
        + table(["doctors", "tokens", "seconds", "tokens/s", "ms per token", "peak RSS MiB"], rows)
        + "\n\n"
        + invariants_text(result["invariants"])
    )


def render_desk(result: dict) -> str:
    rows = [
        [r["tokens"], statuses_text(r["statuses"]), r["queries"], rounded(r["ms_per_get"])]
        for r in result["rows"]
    ]
    return (
        "## 5. Desk page (GET /desk/ in-process through django.test.Client, reception "
        f"login; {result['gets_per_run']} GETs a run after a warm-up)\n\n"
        + table(["tokens in day", "statuses", "queries", "ms per GET"], rows)
        + "\n\n"
        + invariants_text(result["invariants"])
    )


def cpu_text(cpu: dict | None) -> str | None:
    if not cpu:
        return None
    parts = " + ".join(f"{cpu[k]:.2f}" for k in ("app", "postgres", "redis"))
    return f"{sum(cpu.values()):.2f} ({parts})"


def percent(value) -> str | None:
    return None if value is None else f"{100 * value:.1f}%"


def invariants_text(invariants: dict) -> str:
    checked = invariants.get("days_checked")
    where = (
        f" over {checked} doctor-day{'' if checked == 1 else 's'}" if checked is not None else ""
    )
    return f"Invariant checker{where}: {invariants['problems']} problems."


def exhausted_text(result: dict) -> str:
    text = ""
    if any(r.get("exhausted") for r in result["rows"]):
        text += " A client ran out of prebuilt requests: raise MAX_RATE."
    if result.get("server_log_tail"):
        text += " gunicorn logged errors: see server_log_tail in the JSON."
    return text


RENDER = {
    "queries": render_queries,
    "throughput": render_throughput,
    "contention": render_contention,
    "simulate": render_simulate,
    "desk": render_desk,
    "cpu": render_cpu,
    "screens": render_screens,
}


def machine_facts(cfg) -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0]
    python = os.path.relpath(PY, ROOT) if PY.startswith(str(ROOT)) else PY
    return {
        "date": dt.datetime.now().isoformat(timespec="minutes"),
        # Anything else busy on the machine shows here, and skews every timed figure.
        "load_average_at_start": os.getloadavg(),
        "command": shlex.join([python, *sys.argv]),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "postgresql": postgres.split(" on ")[0],
        "python": platform.python_version(),
        "django": django.get_version(),
        "config": asdict(cfg),
    }


def render_header(facts: dict) -> str:
    cfg = facts["config"]
    return (
        "# OPD Token benchmark\n\n"
        f"- {facts['date']}: `{facts['command']}`\n"
        f"- {facts['cpus']} CPUs, {facts['platform']}, {facts['postgresql']}, "
        f"Python {facts['python']}, Django {facts['django']}\n"
        f"- runs per figure: {cfg['runs']} (timed figures are their median), "
        f"{cfg['seconds']} s per load run, database `{cfg['database']}`; "
        f"load average at start {facts['load_average_at_start'][0]:.2f}"
    )


# --------------------------------------------------------------------------- main


@dataclass
class Config:
    runs: int
    seconds: float
    workers: list[int]
    clients: list[int]
    query_sizes: list[int]
    sim_sizes: list[int]
    desk_sizes: list[int]
    desk_gets: int
    cpu_requests: int
    screens: list[int]
    screens_day_size: int
    screens_workers: int
    warmup: float
    only: list[str]
    database: str
    port: int


def parse_args(argv=None) -> tuple[Config, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=positive(int), help="runs per figure, median reported (3)")
    parser.add_argument("--seconds", type=positive(float), help="length of each load run (20)")
    parser.add_argument("--quick", action="store_true", help="simulate_day at 3, 30, 100 doctors")
    parser.add_argument("--tiny", action="store_true", help="the smoke size of tests/bench")
    parser.add_argument("--only", type=names, default=list(FIGURES), help=",".join(FIGURES))
    parser.add_argument("--workers", type=numbers, help="gunicorn workers, e.g. 2,4")
    parser.add_argument("--clients", type=numbers, help="concurrent clients, e.g. 8,32")
    parser.add_argument("--screens", type=numbers, help="polling screens, e.g. 100,500")
    parser.add_argument("--database", type=database_name, default=DB, help=f"default {DB}")
    parser.add_argument(
        "--port", type=positive(int), default=PORT, help=f"gunicorn's port ({PORT})"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    tiny = args.tiny
    cfg = Config(
        runs=args.runs or (1 if tiny else 3),
        seconds=args.seconds or (1.0 if tiny else 20.0),
        workers=args.workers or ([1] if tiny else [2, 4]),
        clients=args.clients or ([2] if tiny else [8, 32]),
        query_sizes=[10] if tiny else [10, 100, 1000],
        sim_sizes=[1] if tiny else [3, 30, 100] if args.quick else [3, 30, 300],
        desk_sizes=[20] if tiny else [20, 200],
        desk_gets=5 if tiny else 20,
        cpu_requests=20 if tiny else 600,
        screens=args.screens or ([4] if tiny else [100, 250, 500, 1000]),
        screens_day_size=20 if tiny else 200,
        screens_workers=1 if tiny else 2,
        warmup=0.3 if tiny else 2.0,
        only=args.only,
        database=args.database,
        port=args.port,
    )
    return cfg, args


def positive(kind):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError("must be more than 0")
        return number

    return parse


def names(value: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = set(chosen) - set(FIGURES)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {','.join(FIGURES)}")
    return chosen


def numbers(value: str) -> list[int]:
    try:
        chosen = [int(v) for v in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("comma-separated whole numbers") from None
    if not chosen or min(chosen) < 1:
        raise argparse.ArgumentTypeError("comma-separated whole numbers of at least 1")
    return chosen


def database_name(value: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value) or value in ("postgres", "template1"):
        raise argparse.ArgumentTypeError("a throw-away database name: lower case, digits, _")
    return value


def run_figures(cfg, results: dict) -> None:
    if "queries" in cfg.only:
        publish(results, "queries", figure_queries(cfg))
    if "cpu" in cfg.only:
        publish(results, "cpu", figure_cpu(cfg))
    if {"throughput", "contention"} & set(cfg.only):
        for name, result in figure_load(cfg).items():
            publish(results, name, result)
    if "screens" in cfg.only:
        publish(results, "screens", figure_screens(cfg))
    if "simulate" in cfg.only:
        publish(results, "simulate", figure_simulate(cfg))
    if "desk" in cfg.only:
        publish(results, "desk", figure_desk(cfg))


def publish(results: dict, name: str, result: dict) -> None:
    results["figures"][name] = result
    print(RENDER[name](result) + "\n", flush=True)


def main(argv=None) -> int:
    cfg, args = parse_args(argv)
    note(f"recreating database {cfg.database}")
    recreate_database(cfg.database)
    setup_django(SERVER + cfg.database)
    results = {"meta": machine_facts(cfg), "figures": {}}
    print(render_header(results["meta"]) + "\n", flush=True)
    try:
        run_figures(cfg, results)
    finally:
        figures = results["figures"].values()
        results["invariant_problems"] = sum(f["invariants"]["problems"] for f in figures)
        results["invariant_problems"] += sum(f.get("capacity_violations", 0) for f in figures)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
    problems = results["invariant_problems"]
    print(f"**Invariant problems over every figure: {problems}.** "
          f"Load average at the end: {os.getloadavg()[0]:.2f}.")  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
