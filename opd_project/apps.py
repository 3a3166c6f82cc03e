"""The project package as an app, for one thing: DRF's API tokens go by the name the
admin should show, "API keys", not a second "Tokens" next to the patients' tokens.

DRF's models are abstract unless "rest_framework.authtoken" itself is in
INSTALLED_APPS, so its app stays listed as it is and is renamed here, once every app
is loaded."""

from django.apps import AppConfig


class OpdProjectConfig(AppConfig):
    name = "opd_project"
    verbose_name = "OPD Token"

    def ready(self) -> None:
        api_keys = self.apps.get_app_config("authtoken")
        api_keys.verbose_name = "API keys"
        # Token and the TokenProxy that DRF's admin lists. Only the names on _meta:
        # migrations are built from what their Meta declares, so nothing to migrate.
        for model in api_keys.get_models():
            model._meta.verbose_name = "API key"
            model._meta.verbose_name_plural = "API keys"
