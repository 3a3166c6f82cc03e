from django.core.management.base import BaseCommand
from django.utils import timezone

from tokens.services import tokens_mark_no_shows


class Command(BaseCommand):
    help = (
        "Mark tokens never checked in as no-shows once their slot ended plus the grace "
        "period (OPD_NO_SHOW_GRACE_MINUTES). Idempotent; meant for cron every minute."
    )

    def handle(self, *args, **options) -> None:
        marked = tokens_mark_no_shows(now=timezone.now())
        for token in marked:
            self.stdout.write(f"no-show: {token.number} ({token.day.date:%Y-%m-%d})")
        self.stdout.write(f"Marked {len(marked)} no-shows.")
