"""``manage.py create_portal_client NAME``: an API login for the booking portal.

Prints the client's API token on the last line, so a deploy script can take it
with ``| tail -n 1``. Running it again prints the same token.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from tokens import roles


class Command(BaseCommand):
    help = "Create (or find) an online booking portal client and print its API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The client's username, e.g. hospital-website.")

    @transaction.atomic
    def handle(self, *args, name: str, **options) -> None:
        User = get_user_model()
        name = name.strip()
        if not name or len(name) > 150:
            raise CommandError("Give a name of 1 to 150 characters.")
        user, created = User.objects.get_or_create(username=name)
        if created:
            # The portal authenticates with its token only: no password to leak.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif roles.is_staff_member(user) or user.is_staff:
            raise CommandError(f"{name} is a staff login: choose another name for the portal.")
        user.groups.add(Group.objects.get_or_create(name=roles.PORTAL)[0])
        token, _ = Token.objects.get_or_create(user=user)
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} portal client {name!r}. Send: Authorization: Token <token>")
        self.stdout.write(token.key)
