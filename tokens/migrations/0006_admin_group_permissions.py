# The `admin` group (0002_roles) gets what the Django admin needs, so a staff login in
# that group runs the OPD's admin without being a superuser: full rights on the
# scheduling models (the slot and doctor-day actions need "change"), read-only on
# tokens, their events and patients, and on users (to pick a doctor's login).
#
# On a fresh database the permissions are created first (opd_project.group_permissions).

from opd_project import group_permissions
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


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0005_day_cancelled_event"),
        ("scheduling", "0002_roster"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_permissions.grant_operation(GROUP, GRANTS)]
