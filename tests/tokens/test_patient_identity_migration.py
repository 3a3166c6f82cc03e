"""tokens 0004_patient_identity on data written under 0003 (a unique phone, typed
any way): phones become E.164, the same person typed two ways becomes one row with
all their tokens, and a phone that cannot be read is left alone."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import DoctorDayFactory
from tokens.models import Patient as Current

BEFORE = [("tokens", "0003_idempotencyrecord")]
AFTER = [("tokens", "0004_patient_identity")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    """The tokens app at 0003; the database goes back to the latest state afterwards."""
    try:
        yield _migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_it_normalises_merges_and_keeps_every_token_with_its_name(old_apps):
    Patient = old_apps.get_model("tokens", "Patient")
    Token = old_apps.get_model("tokens", "Token")
    day = DoctorDayFactory()
    when = timezone.make_aware(dt.datetime.combine(day.date, dt.time(8)))
    people = {
        # One mother typed three ways (desk, portal, old desk with a 0): one person.
        "desk": Patient.objects.create(name="Asha Rao", phone="9800000007"),
        "portal": Patient.objects.create(
            name="asha  RAO", phone="+919800000007", external_id="H-77"
        ),
        "zero": Patient.objects.create(name="ASHA RAO", phone="09800000007"),
        # Her son on the same phone, under another typing of it: another person.
        "son": Patient.objects.create(name="Ravi Rao", phone="919800000007"),
        # Somebody else, and a number phonenumbers cannot read.
        "other": Patient.objects.create(name="Kiran", phone="+919811112222"),
        "odd": Patient.objects.create(name="Odd One", phone="12345"),
    }
    tokens = {}
    for seq, (key, patient) in enumerate(people.items(), start=1):
        tokens[key] = Token.objects.create(
            day_id=day.pk,
            seq=seq,
            number=f"X-{seq:03d}",
            patient=patient,
            source="online",
            rank=4,
            status="waitlisted",
            requested_at=when,
        )

    new_apps = _migrate(AFTER)

    Patient = new_apps.get_model("tokens", "Patient")
    Token = new_apps.get_model("tokens", "Token")
    rows = {p.name: p for p in Patient.objects.all()}
    assert sorted(rows) == ["Asha Rao", "Kiran", "Odd One", "Ravi Rao"]
    mother = rows["Asha Rao"]  # the oldest row of the three, with its spelling
    assert mother.pk == people["desk"].pk
    assert (mother.phone, mother.name_key, mother.external_id) == (
        "+919800000007",
        "asha rao",
        "H-77",
    )
    assert (rows["Ravi Rao"].phone, rows["Ravi Rao"].name_key) == ("+919800000007", "ravi rao")
    assert rows["Kiran"].phone == "+919811112222"
    assert (rows["Odd One"].phone, rows["Odd One"].name_key) == ("12345", "odd one")

    owner = {t.number: t.patient for t in Token.objects.select_related("patient")}
    assert len(owner) == 6
    for key in ("desk", "portal", "zero"):
        assert owner[tokens[key].number].pk == mother.pk
    assert owner[tokens["son"].number].name == "Ravi Rao"
    assert owner[tokens["other"].number].name == "Kiran"
    assert owner[tokens["odd"].number].name == "Odd One"


def test_it_leaves_one_person_per_phone_and_name(old_apps):
    Patient = old_apps.get_model("tokens", "Patient")
    Patient.objects.create(name="Asha Rao", phone="9800000007")
    _migrate(AFTER)
    Current.objects.create(name="Meera Rao", phone="+919800000007")
    with pytest.raises(IntegrityError), transaction.atomic():
        Current.objects.create(name="asha rao", phone="+919800000007")
