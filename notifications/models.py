"""Where each portal client wants its webhooks (docs/notifications.md, "Portal webhooks")."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tokens import roles


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """The address a portal client's webhooks go to, and the secret they are signed with.

    A client receives the notices of the tokens it issued, and of no other."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoint",
        limit_choices_to={"groups__name": roles.PORTAL},
        help_text="The portal client (a login in the portal group).",
    )
    url = models.URLField(
        max_length=500, help_text="Where the signed JSON is posted (https in production)."
    )
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text="Give it to the portal: it signs every delivery (X-OPD-Signature). "
        "Change it to rotate.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "portal webhook endpoint"

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"

    def clean(self) -> None:
        if self.client_id and not roles.is_portal_client(self.client):
            raise ValidationError({"client": "Only a portal client receives webhooks."})
        if len(self.secret or "") < 16:
            raise ValidationError({"secret": "Use at least 16 characters."})
