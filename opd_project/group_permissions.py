"""Model permissions for a role's group, granted by a data migration.

On a fresh database the permissions do not exist yet while migrating (Django creates
them after the last migration, on post_migrate), so they are created here first.
Used by tokens 0006 and 0007 and notifications 0001; kept stable, as migrations are.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

Grants = dict[str, dict[str, tuple[str, ...]]]  # app label → model → actions


def grant_operation(group: str, grants: Grants) -> migrations.RunPython:
    """A ``RunPython`` giving ``group`` the ``grants`` (and taking them back)."""

    def grant(apps, schema_editor) -> None:
        using = schema_editor.connection.alias
        Group = apps.get_model("auth", "Group")
        found, _ = Group.objects.using(using).get_or_create(name=group)
        found.permissions.add(*_permissions(apps, using, grants))

    def revoke(apps, schema_editor) -> None:
        using = schema_editor.connection.alias
        Group = apps.get_model("auth", "Group")
        found = Group.objects.using(using).filter(name=group).first()
        if found is not None:
            found.permissions.remove(*_permissions(apps, using, grants))

    return migrations.RunPython(grant, revoke)


def _permissions(apps, using: str, grants: Grants) -> list:
    for label in grants:
        app_config = apps.get_app_config(label)
        # A migration's app registry has no models module; create_permissions
        # skips such apps unless told otherwise. Restored after.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        (label, model, f"{action}_{model}")
        for label, models in grants.items()
        for model, actions in models.items()
        for action in actions
    ]
    found = {
        (p.content_type.app_label, p.content_type.model, p.codename): p
        for p in Permission.objects.using(using)
        .filter(content_type__app_label__in=list(grants))
        .select_related("content_type")
    }
    missing = [key for key in wanted if key not in found]
    if missing:
        raise RuntimeError(f"Permissions missing after create_permissions: {missing}")
    return [found[key] for key in wanted]
