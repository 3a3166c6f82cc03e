# The `admin` group (0002_roles) gets what the Django admin needs, so a staff login in
# that group runs the OPD's admin without being a superuser: full rights on the
# scheduling models (the slot and doctor-day actions need "change"), read-only on
# tokens, their events and patients, and on users (to pick a doctor's login).
#
# On a fresh database the permissions do not exist yet (Django creates them after
# the last migration, on post_migrate), so they are created here first.

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "admin"
ALL = ("view", "add", "change", "delete")
VIEW = ("view",)
GRANTS = {
    "scheduling": {
        "department": ALL,
        "doctor": ALL,
        "rostersession": ALL,
        "doctorday": ALL,
        "slot": ALL,
    },
    "tokens": {"token": VIEW, "tokenevent": VIEW, "patient": VIEW},
    "auth": {"user": VIEW},
}


def _ensure_permissions(apps, using: str) -> None:
    for label in GRANTS:
        app_config = apps.get_app_config(label)
        # A migration's app registry has no models module; create_permissions
        # skips such apps unless told otherwise. Restored after.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = models_module


def _permissions(apps, using: str):
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        (label, model, f"{action}_{model}")
        for label, models in GRANTS.items()
        for model, actions in models.items()
        for action in actions
    ]
    found = {
        (p.content_type.app_label, p.content_type.model, p.codename): p
        for p in Permission.objects.using(using)
        .filter(content_type__app_label__in=list(GRANTS))
        .select_related("content_type")
    }
    missing = [key for key in wanted if key not in found]
    if missing:
        raise RuntimeError(f"Permissions missing after create_permissions: {missing}")
    return [found[key] for key in wanted]


def grant(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.using(using).get_or_create(name=GROUP)
    group.permissions.add(*_permissions(apps, using))


def revoke(apps, schema_editor) -> None:
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(using).filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, using))


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0005_day_cancelled_event"),
        ("scheduling", "0002_roster"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
