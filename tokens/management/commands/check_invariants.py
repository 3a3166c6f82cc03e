"""``manage.py check_invariants [--date YYYY-MM-DD]``: I1–I6 over every doctor-day.

Run it after restoring a backup, after an incident, or from cron: it only reads.
It exits 1 and lists every violation when it finds one.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from rich.console import Console
from rich.table import Table

from scheduling.management.arguments import date_argument
from scheduling.models import DoctorDay
from tokens.invariants import check_day


class Command(BaseCommand):
    help = (
        "Check the invariants I1–I6 (capacity, states, displacements, promotions, "
        "numbers, audit trail) of every doctor-day, or of one date. Exits 1 on any violation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date_argument, help="Only this date (YYYY-MM-DD).")

    def handle(self, *args, date=None, **options) -> None:
        days = (
            DoctorDay.objects.select_related("doctor")
            .annotate(token_count=Count("tokens"))
            .order_by("date", "doctor__code")
        )
        if date is not None:
            days = days.filter(date=date)
        table = Table(title="Invariant violations")
        for column in ("date", "doctor", "problem"):
            table.add_column(column)
        checked = tokens = problems = 0
        for day in days:
            checked += 1
            tokens += day.token_count
            for problem in check_day(day):
                problems += 1
                table.add_row(f"{day.date:%Y-%m-%d}", day.doctor.code, problem)
        if problems:
            Console(file=self.stdout, width=120).print(table)
        scope = f" on {date}" if date else ""
        summary = f"Checked {checked} doctor-days, {tokens} tokens{scope}: "
        if problems:
            self.stdout.write(summary + f"{problems} problems.")
            raise CommandError(f"{problems} invariant violations found.", returncode=1)
        self.stdout.write(summary + "no problems.")
