import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduling.management.arguments import date_argument
from scheduling.models import Doctor
from scheduling.services import slots_generate


class Command(BaseCommand):
    help = "Create the slots the weekly rosters call for. Idempotent: existing slots are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, type=date_argument)
        parser.add_argument("--to", dest="date_to", required=True, type=date_argument)
        parser.add_argument("--doctor", help="Only this doctor's code, e.g. SHA.")

    def handle(self, *args, date_from: dt.date, date_to: dt.date, doctor: str | None, **opts):
        chosen = None
        if doctor:
            try:
                chosen = Doctor.objects.get(code=doctor.upper())
            except Doctor.DoesNotExist:
                raise CommandError(f"No doctor with code {doctor!r}.") from None
        try:
            result = slots_generate(date_from=date_from, date_to=date_to, doctor=chosen)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Created {len(result.created)} slots from {date_from} to {date_to}; "
            f"{result.skipped} already existed and were left as they are."
        )
