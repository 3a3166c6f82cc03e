from importlib import import_module

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The delivery task's module connects it to ``tokens.notices.recorded``, so
        # that every recorded notification is enqueued in its own transaction.
        # Loaded by name once every model is ready, as Django's autodiscovery does.
        import_module(f"{self.name}.tasks")
