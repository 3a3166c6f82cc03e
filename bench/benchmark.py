"""Benchmarks of DESIGN §7, on a throw-away PostgreSQL database ``opd_bench``.

    make bench              # the sizes reported in the README
    make bench ARGS=--full  # also simulate_day with 300 doctors (several minutes)

1. SQL queries per allocation (service call and API request) as the day grows:
   must stay constant, because counts are aggregate queries under the lock.
2. Allocations per second through the HTTP API under concurrency: gunicorn on
   127.0.0.1:8099, N client threads, portal token auth; spread over many
   doctors, and all on one doctor-day (one lock: the worst case).
3. simulate_day wall time and peak memory at several sizes.
Every run ends with the invariant checker over every doctor-day it touched.
Traffic goes to the loopback address only; every loop is bounded.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432/"
DB = "opd_bench"
PORT = 8099
PY = sys.executable


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(SERVER + "postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = SERVER + DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opd_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_doctor_day(code: str, date: dt.date, slots: int, capacity: int):
    from scheduling.models import Department, Doctor
    from scheduling.services import slot_create

    dept, _ = Department.objects.get_or_create(name="Bench")
    doctor = Doctor.objects.create(name=f"Dr {code}", code=code, department=dept)
    for i in range(slots):
        start = (dt.datetime(2000, 1, 1, 8) + dt.timedelta(minutes=30 * i)).time()
        end = (dt.datetime(2000, 1, 1, 8) + dt.timedelta(minutes=30 * (i + 1))).time()
        slot_create(doctor=doctor, date=date, start=start, end=end, capacity=capacity)
    return doctor, doctor.days.get(date=date)


# --------------------------------------------------------------------------- 1. queries


def queries_per_allocation(date: dt.date) -> list[dict]:
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django.utils import timezone

    from tokens.roles import RECEPTION
    from tokens.services import patient_get_or_create, token_issue

    staff = User.objects.create_user("bench-reception")
    staff.groups.add(Group.objects.get_or_create(name=RECEPTION)[0])
    client = Client()
    client.force_login(staff)
    now = timezone.now()
    rows = []
    for size, code in ((10, "QA"), (100, "QB"), (1000, "QC")):
        # Capacity so that the day holds ``size`` tokens with the first slots full.
        doctor, day = make_doctor_day(code, date, slots=20, capacity=max(size // 10, 2))
        for i in range(size):
            p = patient_get_or_create(name="Bench", phone=f"+917{size:04d}{i:06d}")
            token_issue(day=day, patient=p, source="online", now=now)
        seated = day.tokens.filter(status="allocated").first()
        rows.append(_count_row(size, doctor, day, seated, client, date, now))
    return rows


def _count_row(size, doctor, day, seated, client, date, now) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tokens.services import patient_get_or_create, token_cancel, token_issue

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    walk_in = patient_get_or_create(name="Walk", phone=f"+9171{size:09d}")
    paid = patient_get_or_create(name="Paid", phone=f"+9172{size:09d}")
    body = {"doctor": doctor.pk, "date": str(date), "source": "online",
            "patient": {"name": "Api", "phone": f"+9173{size:09d}"}}  # fmt: skip
    return {
        "tokens in day": size,
        "issue (service)": count(
            lambda: token_issue(day=day, patient=walk_in, source="walk_in", now=now)
        ),
        "issue with displacement": count(
            lambda: token_issue(day=day, patient=paid, source="paid", now=now)
        ),
        "cancel + promotion": count(lambda: token_cancel(token=seated, now=now)),
        "POST /api/v1/tokens/": count(
            lambda: client.post(
                "/api/v1/tokens/", json.dumps(body), content_type="application/json"
            )
        ),
    }


# --------------------------------------------------------------------------- 2. throughput


def api_throughput(date: dt.date, threads: int, per_thread: int) -> list[dict]:
    from io import StringIO

    from django.core.management import call_command

    doctors = [make_doctor_day(f"T{chr(65 + i // 26)}{chr(65 + i % 26)}", date, 10, 10)[0]
               for i in range(20)]  # fmt: skip
    hot, _ = make_doctor_day("HOT", date, 10, 10)
    out = StringIO()
    call_command("create_portal_client", "bench-portal", stdout=out)
    token = out.getvalue().strip().splitlines()[-1].strip()
    env = {**os.environ, "DATABASE_URL": SERVER + DB, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "opd_project.wsgi"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        _wait_for_server()
        results = []
        for label, pick in (
            (f"{len(doctors)} doctors", lambda i: doctors[i % len(doctors)].pk),
            ("one doctor-day (one lock)", lambda i: hot.pk),
        ):
            results.append(_hammer(label, pick, token, date, threads, per_thread))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_server() -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


_phone = iter(range(10**7))
_phone_lock = threading.Lock()


def _hammer(label, pick, token, date, threads, per_thread) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(per_thread):
            with _phone_lock:
                phone = f"+9180{next(_phone):08d}"
            payload = {"doctor": pick(n * per_thread + i), "date": str(date), "source": "online",
                       "patient": {"name": "Bench Patient", "phone": phone}}  # fmt: skip
            body = json.dumps(payload).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/api/v1/tokens/", data=body, method="POST",
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=600)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "scenario": label,
        "requests": len(latencies),
        "clients": threads,
        "allocations/s": round(statuses.get(201, 0) / elapsed, 1),
        "p50 ms": round(1000 * statistics.median(latencies), 1),
        "p95 ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "statuses": statuses,
    }


# --------------------------------------------------------------------------- 3. simulate_day


def simulate_day_timings(sizes: list[int]) -> list[dict]:
    rows = []
    env = {**os.environ, "DATABASE_URL": SERVER + DB}
    for n in sizes:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", PY, "manage.py", "simulate_day", "--doctors", str(n),
             "--seed", "1", "--date", "2031-03-03", "--reset", "--report", "json"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"simulate_day --doctors {n} failed:\n{done.stderr[-2000:]}")
        report = json.loads(done.stdout)
        peak_kib = int(done.stderr.strip().splitlines()[-1])
        rows.append(
            {
                "doctors": n,
                "tokens": report["day"]["issued"],
                "seconds": round(elapsed, 1),
                "peak RSS MiB": round(peak_kib / 1024),
            }
        )
    return rows


# --------------------------------------------------------------------------- main


def check_everything() -> int:
    from scheduling.models import DoctorDay
    from tokens.invariants import check_day

    problems = [p for day in DoctorDay.objects.all() for p in check_day(day)]
    for p in problems[:20]:
        print("VIOLATION", p)
    return len(problems)


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 300 simulated doctors")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--requests", type=int, default=25, help="per client thread")
    args = parser.parse_args()
    recreate_database()
    setup_django()
    date = dt.date.today() + dt.timedelta(days=7)
    print(f"# OPD Token benchmark — {os.cpu_count()} cores, PostgreSQL, {dt.date.today()}\n")
    print("## SQL queries per operation (must not grow with the day)\n")
    print(table(queries_per_allocation(date)), "\n")
    print("## HTTP API allocations per second (gunicorn -w 4, loopback)\n")
    rows = api_throughput(date, args.threads, args.requests)
    print(table(rows), "\n")
    print("## simulate_day\n")
    print(table(simulate_day_timings([3, 30, 100] + ([300] if args.full else []))), "\n")
    violations = check_everything()
    print(f"Invariant check over every doctor-day: {violations} violations.")
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
