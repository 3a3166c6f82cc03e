"""``manage.py simulate_day``: play a whole OPD day through the allocation engine."""

import datetime as dt
import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scheduling.management.arguments import date_argument
from simulation.day import MAX_DOCTORS, SimConfig, SimulationError, simulate


def _until(value: str | None) -> dt.time | None:
    if value is None:
        return None
    if value == "now":
        return timezone.localtime().time().replace(second=0, microsecond=0)
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--until {value!r} is not a time (use HH:MM or 'now').") from None


class Command(BaseCommand):
    help = (
        "Play a realistic OPD day for simulated doctors (codes SIMAA, SIMAB…) through the "
        "allocation engine with a simulated clock, print a report and check invariants I1–I6. "
        "The same --seed gives the same report. The day stays in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--doctors", type=int, default=3, help=f"1 to {MAX_DOCTORS}")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--load", type=float, default=1.1, help="patients per doctor ÷ seats (default 1.1)"
        )
        parser.add_argument("--report", choices=("text", "json"), default="text")
        parser.add_argument(
            "--reset", action="store_true", help="delete this date's simulated data first"
        )
        parser.add_argument(
            "--until",
            help="stop the clock at HH:MM (or 'now') and leave the day open for the desk",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.1 <= options["load"] <= 5:
            raise CommandError("--load must be between 0.1 and 5.")
        config = SimConfig(
            date=date_argument(options["date"]) if options["date"] else timezone.localdate(),
            doctors=options["doctors"],
            seed=options["seed"],
            load=options["load"],
            until=_until(options["until"]),
        )
        as_json = options["report"] == "json"
        started = time.monotonic()
        try:
            if as_json:
                result = simulate(config, reset=options["reset"])
            else:
                result = self._with_progress(config, reset=options["reset"])
        except SimulationError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        if as_json:
            self.stdout.write(json.dumps(result.report, indent=2, ensure_ascii=False))
        else:
            self._print(result.report, elapsed)
        if result.violations:
            lines = [f"{code}: {p}" for code, ps in result.violations.items() for p in ps]
            raise CommandError("Invariant check failed:\n" + "\n".join(lines))

    def _with_progress(self, config: SimConfig, *, reset: bool):
        # The bar goes to stderr so that stdout carries only the report.
        console = Console(file=sys.stderr)
        columns = (
            TextColumn("[bold]Simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("events"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("day", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return simulate(config, progress=progress, reset=reset)

    def _print(self, report: dict, elapsed: float) -> None:
        console = Console(file=self.stdout, width=160)
        table = Table(
            title=f"Simulated OPD day {report['date']} (seed {report['seed']})",
            caption="issued by source · outcomes · moves · utilization · wait check-in→call (min)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        headers = (
            "doctor", "issued", "emerg", "paid", "f-up", "online", "walk", "done", "cancel",
            "noshow", "expir", "displ", "moved", "overbk", "util", "wait", "p90",
        )  # fmt: skip
        for header in headers:
            table.add_column(header, justify="left" if header == "doctor" else "right")
        rows = [(code, row) for code, row in report["doctors"].items()]
        rows.append(("all", report["day"]))
        for code, row in rows:
            by_source, by_status = row["by_source"], row.get("by_status", row)
            table.add_row(
                code,
                str(row["issued"]),
                *(
                    str(by_source[s])
                    for s in ("emergency", "paid", "follow_up", "online", "walk_in")
                ),
                str(by_status["completed"]),
                str(by_status["cancelled"]),
                str(by_status["no_show"]),
                str(by_status["expired"]),
                str(row["displaced"]),
                str(row["moved"]),
                str(row["overbooked"]),
                _percent(row["utilization"]),
                _number(row["wait_mean"]),
                _number(row["wait_p90"]),
                end_section=code == rows[-2][0],
            )
        console.print(table)
        scenario = report["scenario"]
        late, closed = scenario["late_doctor"], scenario["closed_slot"]
        day = report["day"]
        self.stdout.write(
            f"Late doctor: {late['doctor']} (+{late['minutes']} min). "
            f"Closed slot: {closed['doctor']} {closed['slot']}. "
            f"Automatic no-shows: {day['auto_no_shows']}. Promoted from waitlist: "
            f"{day['promoted']}."
        )
        self.stdout.write(
            f"Wait from check-in to call: mean {_minutes(day['wait_mean'])}, median "
            f"{_minutes(day['wait_median'])}, 90th percentile {_minutes(day['wait_p90'])}; "
            f"consultation mean {_minutes(day['consultation_mean'])}."
        )
        messages = ", ".join(f"{kind} ×{n}" for kind, n in report["messages"].items())
        self.stdout.write(f"Messages owed to patients and portals: {messages or 'none'}.")
        if report["refused"]:
            refused = ", ".join(f"{k} ×{n}" for k, n in report["refused"].items())
            self.stdout.write(f"Refused by the engine (expected in real life): {refused}.")
        clock = report["clock"]
        if clock["closed_at"]:
            self.stdout.write(f"Every doctor-day closed at {clock['closed_at']} (simulated).")
        else:
            self.stdout.write(f"Clock stopped at {clock['stopped_at']}: the day is left open.")
        checked = report["invariants"]["doctor_days_checked"]
        if not report["invariants"]["violations"]:
            self.stdout.write(
                self.style.SUCCESS(f"Invariants I1–I6 hold on all {checked} doctor-days.")
            )
        self.stderr.write(f"Simulated in {elapsed:.1f} s.")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} min"
