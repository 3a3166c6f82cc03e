from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from scheduling.management.arguments import date_argument
from scheduling.models import DoctorDay
from tokens.services import day_close


class Command(BaseCommand):
    help = (
        "Close every doctor-day of DATE: waitlisted and never-called tokens expire, tokens "
        "never checked in become no-shows, open consultations complete. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("date", help="YYYY-MM-DD")

    def handle(self, *args, date: str, **options) -> None:
        day_date = date_argument(date)
        now = timezone.now()
        table = Table(title=f"Closing {day_date:%a %d %b %Y}")
        for column in ("doctor", "expired", "no-show", "completed", "note"):
            table.add_column(column)
        totals = [0, 0, 0]
        for day in DoctorDay.objects.filter(date=day_date).select_related("doctor"):
            result = day_close(day=day, now=now)
            counts = [len(result.expired), len(result.no_show), len(result.completed)]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            note = "already closed" if result.already_closed else ""
            table.add_row(day.doctor.code, *map(str, counts), note)
        Console(file=self.stdout, width=100).print(table)
        self.stdout.write(
            f"Expired {totals[0]}, no-show {totals[1]}, completed {totals[2]} on {day_date}."
        )
