"""A patient is a person: phone + name (tokens.patients; docs/allocation.md,
"Patients: one phone, several people")."""

import threading

import pytest
from django.db import connection, transaction
from django.forms import modelform_factory

from tests.factories import PatientFactory, issue
from tokens import errors
from tokens.models import Patient, Token
from tokens.patients import patient_register, patients_on_phone, phone_normalise

pytestmark = pytest.mark.django_db

MOTHER, CHILD = "Asha Rao", "Meera Rao"
PHONE = "+919800000007"


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "typed",
    [
        "+919800000007",
        "9800000007",
        "98000 00007",
        "09800000007",
        "919800000007",
        "+91 98000-00007",
        "+91 (98000) 00007",
        "0091 98000 00007",
        "98000.00007",
        " 98000 00007 ",
        "९८०००००००७",  # Devanagari digits
    ],
)
def test_every_way_of_typing_a_number_gives_one_form(typed):
    assert phone_normalise(typed) == PHONE


def test_a_number_with_its_own_country_code_keeps_it():
    assert phone_normalise("+1 202 555 0143") == "+12025550143"


def test_the_numbers_of_the_tests_and_the_simulation_are_accepted():
    # Possible, not necessarily valid: +91 700… is not an allocated range.
    assert phone_normalise("+919800000001") == "+919800000001"
    assert phone_normalise("+917000010001") == "+917000010001"
    assert phone_normalise(PatientFactory.build().phone).startswith("+9198")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "call me",
        "98000abcde",  # letters would be read as a vanity number
        "12345",  # too short
        "+91700",
        "98000000070000",  # too long
        "1" * 40,
        "+91+9800000007",
        "98000 00007 ext 5",
        "+",
        "()",
    ],
)
def test_garbage_is_refused_with_a_phone_field_error(garbage):
    with pytest.raises(errors.InvalidRequest) as refused:
        phone_normalise(garbage)
    assert refused.value.code == "validation_error"
    assert refused.value.detail.startswith("Enter a valid phone number, e.g.")
    assert refused.value.extra["fields"]["phone"] == [refused.value.detail]


def test_the_default_region_comes_from_the_settings(settings):
    settings.OPD_PHONE_REGION = "GB"
    assert phone_normalise("020 7946 0018") == "+442079460018"
    assert phone_normalise("+91 98000 00007") == PHONE


# --------------------------------------------------------------------------- people


def test_registering_the_same_person_twice_gives_one_row():
    first = patient_register(name=MOTHER, phone=PHONE)
    again = patient_register(name=" asha   RAO ", phone="09800000007")
    assert again.pk == first.pk
    assert Patient.objects.count() == 1


def test_the_stored_spelling_is_kept_and_returned():
    patient_register(name=MOTHER, phone=PHONE)
    again = patient_register(name="ASHA RAO", phone=PHONE)
    assert again.name == MOTHER
    assert Patient.objects.get().name == MOTHER


def test_the_returned_person_carries_the_stored_row():
    patient = patient_register(name="  Asha   Rao ", phone="98000 00007", external_id="H-1")
    stored = Patient.objects.get()
    assert (patient.pk, patient.name, patient.phone, patient.external_id) == (
        stored.pk,
        "Asha Rao",
        PHONE,
        "H-1",
    )
    assert patient.name_key == "asha rao"
    assert patient.created_at == stored.created_at


def test_a_new_name_on_a_known_phone_is_a_new_person():
    mother = patient_register(name=MOTHER, phone=PHONE)
    child = patient_register(name=CHILD, phone=PHONE)
    assert child.pk != mother.pk
    assert Patient.objects.get(pk=mother.pk).name == MOTHER
    assert Patient.objects.count() == 2


def test_an_earlier_token_keeps_its_patients_name(day):
    mother = patient_register(name=MOTHER, phone=PHONE)
    token = issue(day, patient=mother)
    patient_register(name=CHILD, phone="98000 00007")
    assert Token.objects.select_related("patient").get(pk=token.pk).patient.name == MOTHER


def test_a_mother_and_her_child_each_hold_a_token_for_the_same_doctor_day(day):
    mother = issue(day, patient=patient_register(name=MOTHER, phone=PHONE))
    child = issue(day, patient=patient_register(name=CHILD, phone="09800000007"))
    assert mother.patient_id != child.patient_id
    assert mother.is_active and child.is_active


def test_the_same_person_typed_another_way_still_gets_one_active_token(day):
    issue(day, patient=patient_register(name=MOTHER, phone=PHONE))
    with pytest.raises(errors.DuplicateToken):
        issue(day, patient=patient_register(name="asha rao", phone="98000 00007"))


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_empty_name_is_refused(name):
    with pytest.raises(errors.InvalidRequest) as refused:
        patient_register(name=name, phone=PHONE)
    assert "name" in refused.value.extra["fields"]
    assert not Patient.objects.exists()


def test_a_too_long_name_is_refused():
    with pytest.raises(errors.InvalidRequest) as refused:
        patient_register(name="x" * 121, phone=PHONE)
    assert "name" in refused.value.extra["fields"]


def test_a_bad_phone_is_refused_and_registers_nobody():
    with pytest.raises(errors.InvalidRequest) as refused:
        patient_register(name=MOTHER, phone="12345")
    assert "phone" in refused.value.extra["fields"]
    assert not Patient.objects.exists()


def test_registering_is_one_statement(django_assert_num_queries):
    patient_register(name=MOTHER, phone=PHONE)
    with django_assert_num_queries(1):
        patient_register(name=MOTHER, phone=PHONE, external_id="H-1")


# --------------------------------------------------------------------------- hospital number


def test_the_hospital_number_is_kept_on_a_new_person():
    assert patient_register(name=MOTHER, phone=PHONE, external_id=" H-77 ").external_id == "H-77"


def test_a_hospital_number_fills_a_blank_one():
    patient_register(name=MOTHER, phone=PHONE)
    assert patient_register(name=MOTHER, phone=PHONE, external_id="H-77").external_id == "H-77"
    assert Patient.objects.get().external_id == "H-77"


def test_a_stored_hospital_number_is_never_overwritten_nor_cleared():
    patient_register(name=MOTHER, phone=PHONE, external_id="H-77")
    assert patient_register(name=MOTHER, phone=PHONE, external_id="H-99").external_id == "H-77"
    assert patient_register(name=MOTHER, phone=PHONE).external_id == "H-77"
    assert Patient.objects.get().external_id == "H-77"


def test_a_too_long_hospital_number_is_refused():
    with pytest.raises(errors.InvalidRequest) as refused:
        patient_register(name=MOTHER, phone=PHONE, external_id="H" * 65)
    assert "external_id" in refused.value.extra["fields"]


# --------------------------------------------------------------------------- who is on a phone


def test_everyone_on_a_phone_by_name():
    patient_register(name="ravi Rao", phone=PHONE)
    patient_register(name=MOTHER, phone=PHONE)
    patient_register(name=CHILD, phone=PHONE)
    patient_register(name="Somebody Else", phone="+919800000008")
    assert [p.name for p in patients_on_phone("098000 00007")] == [MOTHER, CHILD, "ravi Rao"]


def test_nobody_on_an_unknown_phone():
    patient_register(name=MOTHER, phone=PHONE)
    assert patients_on_phone("+919800000009") == []


def test_a_phone_that_cannot_be_one_is_refused():
    with pytest.raises(errors.InvalidRequest):
        patients_on_phone("12ab")


# --------------------------------------------------------------------------- the model


def test_every_way_of_saving_fills_the_name_key():
    saved = Patient.objects.create(name="Asha  RAO", phone=PHONE)
    (bulk,) = Patient.objects.bulk_create([Patient(name="Ravi Straße", phone=PHONE)])
    assert saved.name_key == "asha rao"
    assert Patient.objects.get(pk=bulk.pk).name_key == "ravi strasse"


def test_renaming_through_save_moves_the_name_key_along():
    patient = PatientFactory(name=MOTHER)
    patient.name = CHILD
    patient.save(update_fields=["name"])
    assert Patient.objects.get(pk=patient.pk).name_key == "meera rao"


def test_a_form_renaming_somebody_into_another_person_on_the_phone_is_refused():
    # The admin's form does not show name_key; the unique check must still run.
    patient_register(name=MOTHER, phone=PHONE)
    child = patient_register(name=CHILD, phone=PHONE)
    form_class = modelform_factory(Patient, fields=["name", "phone", "external_id"])
    form = form_class({"name": "asha RAO", "phone": PHONE, "external_id": ""}, instance=child)
    assert not form.is_valid()
    assert "This person is already registered on this phone." in str(form.errors)
    assert Patient.objects.get(pk=child.pk).name == CHILD


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_desks_registering_the_same_person_at_once_get_one_row():
    """Desk A registers and keeps its transaction open; desk B registers the same
    person meanwhile: B waits on the unique index, then gets A's row."""
    if connection.vendor != "postgresql":
        pytest.fail(f"Concurrency tests need PostgreSQL, not {connection.vendor}.")
    a_registered, results, failures = threading.Event(), {}, []

    def desk(label: str, name: str, phone: str) -> None:
        try:
            with transaction.atomic():
                if label == "b":
                    a_registered.wait(10)
                results[label] = patient_register(name=name, phone=phone).pk
                if label == "a":
                    a_registered.set()
                    threading.Event().wait(0.3)  # B is now blocked on A's new row
        except BaseException as exc:  # handed to the main thread
            failures.append(exc)
            a_registered.set()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=desk, args=("a", MOTHER, PHONE)),
        threading.Thread(target=desk, args=("b", "asha rao", "98000 00007")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert results["a"] == results["b"]
    assert Patient.objects.count() == 1
    assert Patient.objects.get().name == MOTHER
