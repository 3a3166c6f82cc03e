# Tokens cancelled with their doctor's day get an event kind of their own, so the desk
# knows them by kind instead of by the words of the reason.

from django.db import migrations, models

DAY_CANCELLED_PREFIX = "Doctor's day cancelled"


def forwards(apps, schema_editor):
    TokenEvent = apps.get_model("tokens", "TokenEvent")
    TokenEvent.objects.filter(kind="cancelled", reason__startswith=DAY_CANCELLED_PREFIX).update(
        kind="day_cancelled"
    )


def backwards(apps, schema_editor):
    TokenEvent = apps.get_model("tokens", "TokenEvent")
    TokenEvent.objects.filter(kind="day_cancelled").update(kind="cancelled")


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0004_patient_identity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tokenevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("issued", "Issued"),
                    ("displaced", "Displaced"),
                    ("promoted", "Promoted from waitlist"),
                    ("reallocated", "Reallocated"),
                    ("moved", "Moved (slot closed)"),
                    ("checked_in", "Checked in"),
                    ("called", "Called"),
                    ("completed", "Completed"),
                    ("cancelled", "Cancelled"),
                    ("day_cancelled", "Cancelled with the doctor's day"),
                    ("no_show", "No-show"),
                    ("expired", "Expired"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
