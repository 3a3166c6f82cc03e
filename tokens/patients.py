"""Who a patient is: a person is a phone plus a name (part of the tokens service layer).

Families share one phone: a mother and her child are two people on one number.
So a person is identified by (phone, name) — the name compared case-insensitively
with whitespace collapsed (``Patient.name_key``) — and never by the phone alone
(docs/allocation.md, "Patients: one phone, several people"):

- ``phone_normalise`` turns every way of typing a number into one form (E.164),
  before any comparison;
- ``patient_register`` finds or creates the person in one statement and never
  renames anybody: a known phone with a new name is a new person;
- ``patients_on_phone`` lists everyone registered on a phone (the desk offers them).

This module imports no other service module, so ``tokens.services`` may import it.
"""

import contextlib
import re
from functools import cache, lru_cache

import phonenumbers
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from tokens import errors
from tokens.models import Patient, patient_name_key

# What may be typed in a phone number: digits (any script: phonenumbers reads
# Devanagari digits too), one leading +, and the separators people use:
# "98123 45678", "+91 (98123) 45678", "0821-223344", "98123.45678".
# Letters are refused: phonenumbers would read them as a vanity number.
_TYPED_PHONE = re.compile(r"\+?[\d\s().\-]+")
# Longer than any number written with separators: refused before parsing.
MAX_TYPED_PHONE = 32

NAME_MAX_LENGTH = Patient._meta.get_field("name").max_length
EXTERNAL_ID_MAX_LENGTH = Patient._meta.get_field("external_id").max_length


@cache
def _examples(region: str) -> str:
    """'98123 45678 or +91 98123 45678' for the region (its example mobile number)."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+91 98123 45678"
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return f"{national} or {international}"


def _invalid_phone() -> errors.InvalidRequest:
    hint = f"Enter a valid phone number, e.g. {_examples(settings.OPD_PHONE_REGION)}."
    return errors.InvalidRequest(hint, fields={"phone": [hint]})


def phone_normalise(raw: str) -> str:
    """The one stored form of a phone number: E.164 (``"+919800000007"``).

    ``raw`` is parsed with phonenumbers in the hospital's default region
    (``settings.OPD_PHONE_REGION``, "IN" by default), so every way of typing one
    number gives the same string: "98000 00007", "09800000007", "919800000007",
    "+91 98000-00007" and "0091 98000 00007" are all "+919800000007"; a number
    with its own country code ("+1 202 555 0143") keeps it.

    The number must be *possible* (a length the country's numbering plan allows),
    not *valid* (a range actually allocated): validity tables change with every
    phonenumbers release and refuse plausible test and simulation numbers, and a
    number the desk cannot verify is still the patient's own. So "12345" (too
    short), "98000000070000" (too long), letters, an extension and anything
    longer than 32 characters raise ``InvalidRequest`` with ``fields["phone"]``.
    """
    text = (raw or "").strip()
    if not text or len(text) > MAX_TYPED_PHONE or not _TYPED_PHONE.fullmatch(text):
        raise _invalid_phone()
    e164 = _e164(text, settings.OPD_PHONE_REGION)
    if e164 is None:
        raise _invalid_phone()
    return e164


@lru_cache(maxsize=4096)
def _e164(text: str, region: str) -> str | None:
    # Cached: a booking checks its phone at the API's door and again in the engine.
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_normalise(raw: str) -> str:
    """The name as stored: whitespace collapsed; empty or too long is ``InvalidRequest``."""
    name = " ".join((raw or "").split())
    if not name:
        raise errors.InvalidRequest("Give the patient's name.", fields={"name": ["Required."]})
    if len(name) > NAME_MAX_LENGTH:
        message = f"At most {NAME_MAX_LENGTH} characters."
        raise errors.InvalidRequest(
            f"The patient's name is too long. {message}", fields={"name": [message]}
        )
    return name


def external_id_normalise(raw: str) -> str:
    """A hospital number as stored: trimmed; too long is ``InvalidRequest``."""
    external_id = (raw or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX_LENGTH:
        message = f"At most {EXTERNAL_ID_MAX_LENGTH} characters."
        raise errors.InvalidRequest(
            f"The hospital number is too long. {message}", fields={"external_id": [message]}
        )
    return external_id


def patient_register(*, name: str, phone: str, external_id: str = "") -> Patient:
    """Find the person (phone, name) or register them, in one statement.

    The phone is normalised (``phone_normalise``) and the name's whitespace
    collapsed; the person is found by (phone, name compared case-insensitively),
    so "asha rao" on +919812345678 is the registered "Asha Rao", and "Ravi Rao"
    on the same phone is a second person. Nobody is ever renamed: the stored
    spelling is kept and returned, so every earlier token keeps its patient's name.

    ``external_id`` (a hospital number the portal may send) is stored when the
    person is new, or when their stored one is blank; a stored one is never
    overwritten (a different number arriving later is ignored: the first one the
    hospital gave stays, and changing it is an administrator's edit).

    It is an upsert (``INSERT … ON CONFLICT (phone, name_key) DO UPDATE …
    RETURNING``, PostgreSQL and SQLite alike): two desks registering the same
    person at once both get the one row, with no read-then-write window. Call it
    inside the transaction that issues the token, so a refused token leaves no
    new person behind. Returns the stored row (its id, stored name, phone and
    external id).
    """
    name = name_normalise(name)
    phone = phone_normalise(phone)
    external_id = external_id_normalise(external_id)
    params = [name, patient_name_key(name), phone, external_id, timezone.now()]
    (patient,) = Patient.objects.raw(_upsert_sql(), params)
    return patient


# Columns of the upsert's RETURNING, in the model's order (the id first).
_COLUMNS = ("id", "name", "name_key", "phone", "external_id", "created_at")


def _upsert_sql() -> str:
    qn = connection.ops.quote_name
    table = qn(Patient._meta.db_table)
    col = {f: qn(Patient._meta.get_field(f).column) for f in _COLUMNS}
    ext = col["external_id"]
    return (
        f"INSERT INTO {table} ({', '.join(col[f] for f in _COLUMNS[1:])}) "
        "VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT ({col['phone']}, {col['name_key']}) DO UPDATE SET "
        # A no-op for a known person unless their hospital number was blank; it is
        # the update that makes RETURNING give the existing row.
        f"{ext} = CASE WHEN {table}.{ext} = '' THEN EXCLUDED.{ext} ELSE {table}.{ext} END "
        f"RETURNING {', '.join(col.values())}"
    )


def patients_on_phone(phone: str) -> list[Patient]:
    """Everyone registered on ``phone`` (normalised first; ``InvalidRequest`` for a
    number that cannot be one), by name."""
    return list(Patient.objects.filter(phone=phone_normalise(phone)).order_by("name_key", "id"))


def patient_search(q: str, *, prefix: str = "") -> Q:
    """Who a desk search ``q`` means, as a filter on patients (``prefix``
    "patient__" to filter tokens):

    - a whole phone number, typed any way: everyone registered on it
      ("09800000007" finds "+919800000007" — the mother and the child);
    - 3 or more digits: every phone containing them (the last digits will do);
    - 2 or more characters with a letter: every name containing them, compared
      as names are (case-insensitive, whitespace collapsed).

    Matches nobody when ``q`` is none of these.
    """
    q = (q or "").strip()
    match = Q(pk__in=[])
    digits = re.sub(r"\D", "", q, flags=re.ASCII)
    if len(digits) >= 3:
        match |= Q(**{f"{prefix}phone__contains": digits})
    with contextlib.suppress(errors.InvalidRequest):
        match |= Q(**{f"{prefix}phone": phone_normalise(q)})
    key = patient_name_key(q)
    if len(key) >= 2 and any(c.isalpha() for c in key):
        match |= Q(**{f"{prefix}name_key__contains": key})
    return match
