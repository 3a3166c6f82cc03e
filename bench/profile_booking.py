"""Where the time of one ``POST /api/v1/tokens/`` goes (pyinstrument, in-process).

    .venv/bin/python bench/profile_booking.py [--requests 300] [--html out.html]

Books ``--requests`` online tokens spread over 50 doctors through Django's test
client (the whole middleware, DRF and database stack, no network), on a
throw-away PostgreSQL database ``opd_bench_profile``, and prints the mean time
and SQL queries per booking and pyinstrument's call tree. The README's
performance section shows its output before and after each fix.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from benchmark import SERVER, make_doctor_day, recreate_database, setup_django  # noqa: E402

DB = "opd_bench_profile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()
    recreate_database(DB)
    setup_django(SERVER + DB)

    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    date = dt.date.today() + dt.timedelta(days=7)
    doctors = [make_doctor_day(f"P{i:03d}", date, slots=10, capacity=20)[0] for i in range(50)]
    out = StringIO()
    call_command("create_portal_client", "profile-portal", stdout=out)
    key = out.getvalue().strip().splitlines()[-1].strip()
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")

    def book(i: int) -> None:
        body = {"doctor": doctors[i % 50].pk, "date": str(date), "source": "online",
                "patient": {"name": "Profile Patient", "phone": f"+9181{i:08d}"}}  # fmt: skip
        response = client.post("/api/v1/tokens/", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content

    book(10**6)  # warm up: imports, URL resolver, first connection
    profiler = Profiler(interval=0.0005)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        profiler.start()
        for i in range(args.requests):
            book(i)
        profiler.stop()
        elapsed = time.perf_counter() - started
    print(f"{args.requests} bookings: {1000 * elapsed / args.requests:.2f} ms each (profiled), "
          f"{len(queries.captured_queries) / args.requests:.1f} SQL queries each\n")  # fmt: skip
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    os.environ.pop("DATABASE_URL", None)


if __name__ == "__main__":
    main()
