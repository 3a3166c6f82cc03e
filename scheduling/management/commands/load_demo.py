from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "opd-demo"


class Command(BaseCommand):
    help = "Create the demo logins (demo only: the password is public). Idempotent."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self.stdout.write(
            self.style.SUCCESS("Demo login (demo only): ")
            + f"admin / {DEMO_PASSWORD}  →  http://127.0.0.1:8000/admin/"
        )
