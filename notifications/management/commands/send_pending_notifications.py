import datetime as dt

from django.core.management.base import BaseCommand

from notifications.tasks import SWEEP_GRACE, sweep


class Command(BaseCommand):
    help = (
        "Enqueue the delivery of every notification that is due but has no task waiting "
        "for it: lost tasks, and messages left 'sending' by a worker that died. "
        "Idempotent; meant for cron every minute (docs/notifications.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace",
            type=int,
            default=int(SWEEP_GRACE.total_seconds()),
            help="Seconds a pending notification may wait for its task before it is "
            "taken for lost (default: %(default)s).",
        )

    def handle(self, *args, grace: int, **options) -> None:
        ids = sweep(grace=dt.timedelta(seconds=max(grace, 0)))
        self.stdout.write(f"Enqueued {len(ids)} notification(s).")
