"""A patient is a person: phone + name, no longer the phone alone.

1. ``name_key`` (the name case-folded, whitespace collapsed) is added and the
   phone loses its uniqueness (several people share a family phone).
2. Data: every phone is normalised to E.164 with phonenumbers in the region of
   ``settings.OPD_PHONE_REGION`` ("9812345678" → "+919812345678"), every
   name_key is filled, and rows that thereby become one (phone, name_key) — one
   person typed two ways — are merged into the oldest row: the others' tokens are
   re-pointed to it (the name is the same up to case and spaces; the kept row's
   spelling stays), its blank hospital number takes theirs, and they are deleted.
   A phone phonenumbers cannot read as a possible number is left exactly as it is.
3. The unique (phone, name_key) constraint; its index also serves lookups by phone.

Reversing is possible only while no phone carries two people (the unique phone
comes back); the normalised phones stay normalised.
"""

import django.core.validators
import phonenumbers
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Min

BATCH = 1000


def _phone(raw: str, region: str) -> str:
    """E.164, or ``raw`` unchanged when it cannot be a number (frozen copy of
    tokens.patients.phone_normalise's rule: parse in the region, possible number)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    if number.extension or not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def normalise_and_merge(apps, schema_editor):
    Patient = apps.get_model("tokens", "Patient")
    Token = apps.get_model("tokens", "Token")
    db = schema_editor.connection.alias
    region = getattr(settings, "OPD_PHONE_REGION", "IN")

    # Pass 1: normalise every row, in batches (no constraint can clash yet).
    changed = []
    rows = Patient.objects.using(db).only("id", "name", "phone", "name_key").order_by("id")
    for patient in rows.iterator(chunk_size=BATCH):
        phone, key = _phone(patient.phone, region), _name_key(patient.name)
        if (phone, key) != (patient.phone, patient.name_key):
            patient.phone, patient.name_key = phone, key
            changed.append(patient)
        if len(changed) >= BATCH:
            Patient.objects.using(db).bulk_update(changed, ["phone", "name_key"])
            changed = []
    if changed:
        Patient.objects.using(db).bulk_update(changed, ["phone", "name_key"])

    # Pass 2: merge the people that are now one (phone, name_key) into the oldest row.
    duplicates = (
        Patient.objects.using(db)
        .values("phone", "name_key")
        .annotate(rows=Count("id"), keep=Min("id"))
        .filter(rows__gt=1)
        .order_by()
    )
    for dup in list(duplicates):
        same = Patient.objects.using(db).filter(phone=dup["phone"], name_key=dup["name_key"])
        kept = same.get(pk=dup["keep"])
        others = list(same.exclude(pk=kept.pk).order_by("id"))
        Token.objects.using(db).filter(patient__in=others).update(patient=kept)
        if not kept.external_id:
            kept.external_id = next((p.external_id for p in others if p.external_id), "")
            kept.save(update_fields=["external_id"])
        Patient.objects.using(db).filter(pk__in=[p.pk for p in others]).delete()

    if schema_editor.connection.vendor == "postgresql":
        # The token foreign key is DEFERRABLE INITIALLY DEFERRED: fire its checks
        # now, or PostgreSQL refuses the ALTER TABLE below ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0003_idempotencyrecord"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=360),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="patient",
            name="phone",
            field=models.CharField(
                help_text="E.164, e.g. +919812345678 (tokens.patients.phone_normalise).",
                max_length=16,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\+?[0-9]{7,15}$",
                        "Enter a phone number of 7 to 15 digits, optionally starting with +.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="external_id",
            field=models.CharField(
                blank=True,
                help_text="The hospital's own number for the patient, if any.",
                max_length=64,
            ),
        ),
        migrations.RunPython(normalise_and_merge, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.UniqueConstraint(
                fields=("phone", "name_key"),
                name="patient_unique_phone_name",
                violation_error_message="This person is already registered on this phone.",
            ),
        ),
    ]
