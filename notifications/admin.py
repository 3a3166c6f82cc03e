"""The outbox in the admin (read-only, with "Retry now") and the portals' webhook endpoints.

``tokens.Notification`` is the tokens app's model, but retrying one enqueues this
app's delivery task, so its admin lives here (``tokens`` imports nothing from us).
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import WebhookEndpoint
from notifications.tasks import retry_now
from tokens.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "token_number", "kind", "channel", "status", "attempts",
                    "last_error", "created_at", "sent_at", "next_attempt_at"]  # fmt: skip
    list_filter = ["status", "channel", "kind", "language", "created_at"]
    search_fields = ["token__number", "=delivery_id"]
    list_select_related = ["token"]
    date_hierarchy = "created_at"
    readonly_fields = ["delivery_id", "token", "event", "kind", "channel", "language", "data",
                       "status", "attempts", "next_attempt_at", "last_error", "sent_at",
                       "created_at"]  # fmt: skip
    fields = readonly_fields
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # read-only: the worker alone changes a notification

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # part of the audit trail

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tokens.change_notification")

    @admin.display(description="Token", ordering="token__number")
    def token_number(self, obj: Notification) -> str:
        return obj.token.number

    @admin.action(description="Retry now (failed and dead ones)", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        chosen = queryset.count()
        retried = retry_now(queryset)
        if retried:
            self.message_user(
                request, f"{len(retried)} notification(s) will be sent again now.", messages.SUCCESS
            )
        left = chosen - len(retried)
        if left:
            self.message_user(
                request,
                f"{left} left alone: only failed and dead notifications are retried "
                "(a sent message is never sent twice; a pending one is on its way).",
                messages.WARNING,
            )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["client", "url", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["client__username", "url"]
    fields = ["client", "url", "secret", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
