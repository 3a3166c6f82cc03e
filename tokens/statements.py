"""The engine's hand-written SQL: the lock, the booking's one read and its one write;
the screens' version and the signed-in user with their roles (what every poll pays);
one row's INSERT without the ORM's save (the delivery task a change enqueues, which a
booking's write carries).

Part of the tokens service layer: every decision stays in ``tokens.services``; these
functions only fetch and store what it decides on. A booking is the hot path of the
whole system (the portal's 8 a.m. rush): on PostgreSQL it is, in all, the API's token
check, ``BEGIN``, the lock, one read, one write (with its delivery task) and ``COMMIT``
(README, "Performance").
Composing the same work through the ORM cost more CPU than PostgreSQL spent answering.

The lock and the read are plain SQL that PostgreSQL and SQLite both speak; the write
is one PostgreSQL statement (data-modifying CTEs), and on SQLite — the zero-install
single-clinic engine, in-process, where a statement costs no round trip — the
engine writes through the ORM instead (``services._store_issue``).
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Model
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from scheduling.models import Doctor, DoctorDay, Slot
from tokens.models import ACTIVE, DISPLACEABLE, SEAT_HOLDING, NoticeStatus, Notification, Token
from tokens.roles import ROLES, remember_roles
from tokens.selectors import ahead_sql

# --------------------------------------------------------------------------- values
# psycopg hands back Python values; SQLite's raw cursor text and integers.


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _time(value: Any) -> dt.time:
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, str):  # SQLite keeps aware datetimes as naive UTC text
        return parse_datetime(value).replace(tzinfo=dt.UTC)
    return value


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if isinstance(value, str) else value


def _build(model: type, values: dict[str, Any], **related: Any) -> Any:
    """A model instance from a row, without ``Model.__init__``.

    On the booking's path a dozen instances are made per request, and Django's
    ``__init__`` (a walk over every field, two signals) cost more CPU than the SQL
    that read them. This is what ``Model.from_db`` gives, minus that walk: fields
    not in ``values`` are deferred (read from the database if ever used), and
    ``related`` objects fill the relation cache (``slot.day`` costs no query)."""
    obj = model.__new__(model)
    obj.__dict__.update(values)
    obj._state = ModelState()
    # ``connection`` is always the default alias's, and asking it costs a lookup.
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
    obj._state.fields_cache.update(related)
    return obj


def _cursor(db: Any = connection):
    """A cursor for the statements every booking and screen sends: prepared once per
    connection on PostgreSQL (``opd_project.postgresql``), plain elsewhere."""
    prepared = getattr(db, "prepared_cursor", None)
    return prepared() if prepared else db.cursor()


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our constants, never input


# --------------------------------------------------------------------------- the lock

_DAY_FIELDS = (
    "id", "doctor_id", "date", "delay_minutes", "cancelled", "cancel_reason", "closed_at",
    "token_counter", "version",
)  # fmt: skip
# The doctor's fields the engine and its messages use.
_DOCTOR_FIELDS = ("name", "code", "department_id", "room", "active")
_WHERE = {
    "day": "id = %(day)s",
    "slot": "id = (SELECT s.day_id FROM scheduling_slot s WHERE s.id = %(slot)s)",
    "doctor_date": "doctor_id = %(doctor)s AND date = %(date)s",
}


@cache
def _lock_sql(by: str, issuing: bool) -> str:
    # Unqualified: SQLite's RETURNING knows no table alias. Inside the subqueries
    # ``doctor_id`` can only be the day's (the doctor table has no such column).
    returning = list(_DAY_FIELDS) + [
        f"(SELECT doc.{name} FROM scheduling_doctor doc WHERE doc.id = doctor_id)"
        for name in _DOCTOR_FIELDS
    ]
    counter = ", token_counter = token_counter + 1" if issuing else ""
    return (
        f"UPDATE scheduling_doctorday SET version = version + 1{counter} "
        f"WHERE {_WHERE[by]} RETURNING {', '.join(returning)}"
    )


def lock_day(*, by: str, params: dict[str, Any], issuing: bool = False) -> DoctorDay | None:
    """Lock one doctor-day row — the engine's one lock (docs/allocation.md,
    "Concurrency") — and return it with its doctor, or None when there is none.

    ``by`` names the day: ``"day"`` (``params["day"]``, its id), ``"slot"`` (a slot
    id) or ``"doctor_date"``. The lock is an ``UPDATE … RETURNING`` that bumps the
    day's ``version`` (the screens' ETag) and, when ``issuing``, its token counter:
    found, locked and read in one statement; it waits for the day's other writer
    and returns the row as that one committed it."""
    with _cursor() as cursor:
        cursor.execute(_lock_sql(by, issuing), params)
        row = cursor.fetchone()
    if row is None:
        return None
    day = _build(DoctorDay, dict(zip(_DAY_FIELDS, row, strict=False)))
    day.date, day.cancelled, day.closed_at = (
        _date(day.date),
        bool(day.cancelled),
        _moment(day.closed_at),
    )
    doctor = dict(zip(_DOCTOR_FIELDS, row[len(_DAY_FIELDS) :], strict=True))
    doctor["active"] = bool(doctor["active"])
    day._state.fields_cache["doctor"] = _build(Doctor, {"id": day.doctor_id, **doctor})
    return day


# --------------------------------------------------------------------------- the read


@dataclass
class BookingBoard:
    """What a booking decides on, read under the lock in one statement."""

    slots: list[Slot]  # in time order, annotated like ``selectors.with_occupancy``
    duplicate_id: uuid.UUID | None  # the person's active token of this day
    victims: dict[int, Token]  # per slot id: whom a request of this rank would displace


@cache
def _board_sql() -> str:
    # The duplicate check finds the person by their unique key first (one row), then
    # their tokens: a join from the day's tokens probed the patients once per token,
    # whenever the planner misjudged the (newest, so least known) day's size. Whom a
    # request would displace comes from its own index (``token_displaceable_idx``).
    seat = _in(SEAT_HOLDING)
    return f"""
SELECT s.id, s.start, s."end", s.capacity, s.closed,
  (SELECT COUNT(*) FROM tokens_token o WHERE o.slot_id = s.id AND o.status IN {seat}),
  (SELECT COUNT(*) FROM tokens_token o
     WHERE o.slot_id = s.id AND o.status IN {seat} AND o.overbooked),
  v.id, v.number, v.status, v.displaced_count, v.source, v.rank,
  (SELECT d.id FROM tokens_token d
     WHERE d.patient_id = (SELECT p.id FROM tokens_patient p
                           WHERE p.phone = %(phone)s AND p.name_key = %(name_key)s)
       AND d.day_id = %(day)s AND d.status IN {_in(ACTIVE)}),
  v.created_by_id
FROM scheduling_slot s
LEFT JOIN (
  SELECT c.id, c.slot_id, c.number, c.status, c.displaced_count, c.source, c.rank,
    c.created_by_id, ROW_NUMBER() OVER (
      PARTITION BY c.slot_id ORDER BY c.rank DESC, c.requested_at DESC, c.seq DESC
    ) AS n
  FROM tokens_token c
  WHERE c.day_id = %(day)s AND c.status IN {_in(DISPLACEABLE)}
    AND c.rank > %(rank)s AND c.displaced_count < %(max_displacements)s
) v ON v.slot_id = s.id AND v.n = 1
WHERE s.day_id = %(day)s
ORDER BY s.start
"""


def read_booking_board(
    day: DoctorDay, *, rank: int, phone: str, name_key: str, max_displacements: int
) -> BookingBoard:
    """Under the lock: the day's slots with their occupancy, the person's active
    token (the duplicate rule), and per slot the token a request of ``rank`` would
    displace — the lowest priority, latest arrival, displaceable (rule 3)."""
    params = {
        "day": day.pk,
        "rank": rank,
        "phone": phone,
        "name_key": name_key,
        "max_displacements": max_displacements,
    }
    with _cursor() as cursor:
        cursor.execute(_board_sql(), params)
        rows = cursor.fetchall()
    slots, victims, duplicate = [], {}, None
    for row in rows:
        slot = _build(
            Slot,
            {"id": row[0], "day_id": day.pk, "start": _time(row[1]), "end": _time(row[2]),
             "capacity": row[3], "closed": bool(row[4]), "occupied": row[5],
             "overbooked_count": row[6]},
            day=day,
        )  # fmt: skip
        slots.append(slot)
        if row[7] is not None:
            victims[slot.pk] = _build(
                Token,
                {"id": _uuid(row[7]), "day_id": day.pk, "slot_id": slot.pk, "number": row[8],
                 "status": row[9], "displaced_count": row[10], "source": row[11],
                 "rank": row[12], "created_by_id": row[14]},
                day=day,
                slot=slot,
            )  # fmt: skip
        duplicate = _uuid(row[13])
    return BookingBoard(slots=slots, duplicate_id=duplicate, victims=victims)


# --------------------------------------------------------------------------- the write


@dataclass(frozen=True)
class Written:
    patient_id: int
    patient_name: str  # the registered spelling: nobody is renamed
    event_ids: list[int]
    notification_ids: list[int]  # in the order of the ``notifications`` written
    ahead: tuple  # the counts of ``selectors.ahead_sql`` for the new token


_TOKEN_COLUMNS = (
    "id", "day_id", "seq", "number", "slot_id", "requested_slot_id", "patient_id", "source",
    "rank", "status", "overbooked", "displaced_count", "requested_at", "checked_in_at",
    "cancel_reason", "created_by_id",
)  # fmt: skip
_EVENT_COLUMNS = (
    "token_id", "day_id", "kind", "from_status", "to_status", "from_slot_id", "to_slot_id",
    "caused_by_id", "actor_id", "reason", "at",
)  # fmt: skip


_NOTICE_COLUMNS = ("delivery_id", "token_id", "kind", "channel", "language")


@cache
def _write_sql(rider: type[Model] | None) -> str:
    """The booking's write. The token, the events and the notifications arrive as
    JSON documents (one parameter each) that PostgreSQL reads into rows of their
    own tables (``jsonb_populate_record``), so the statement's text and its handful
    of parameters are the same for every booking: psycopg converts it once per
    process, and quoting sixty values one by one was a fifth of a booking's CPU.
    A ``rider`` model adds its one row (``_row_params``, column by column)."""
    ride = f", rider AS ({_insert_sql(rider, connection.alias, 'rider')})" if rider else ""
    token_columns = ", ".join(
        "p.id" if column == "patient_id" else f"r.{column}" for column in _TOKEN_COLUMNS
    )
    return f"""
WITH p AS (
  INSERT INTO tokens_patient AS x (name, name_key, phone, external_id, created_at)
  VALUES (%(p_name)s, %(p_name_key)s, %(p_phone)s, %(p_external_id)s, %(at)s)
  ON CONFLICT (phone, name_key) DO UPDATE SET external_id =
    CASE WHEN x.external_id = '' THEN EXCLUDED.external_id ELSE x.external_id END
  RETURNING x.id, x.name
), t AS (
  INSERT INTO tokens_token ({", ".join(_TOKEN_COLUMNS)})
  SELECT {token_columns}
  FROM p, jsonb_populate_record(NULL::tokens_token, %(token)s::jsonb) r
  RETURNING id
), v AS (
  UPDATE tokens_token SET slot_id = %(v_slot)s, status = %(v_status)s,
    displaced_count = displaced_count + 1
  WHERE id = %(v_id)s RETURNING id
), e AS (
  INSERT INTO tokens_tokenevent ({", ".join(_EVENT_COLUMNS)})
  SELECT {", ".join(f"r.{c}" for c in _EVENT_COLUMNS)}
  FROM jsonb_populate_recordset(NULL::tokens_tokenevent, %(events)s::jsonb) WITH ORDINALITY r
  ORDER BY r.ordinality
  RETURNING id
), n AS (
  INSERT INTO tokens_notification ({", ".join(_NOTICE_COLUMNS)}, event_id, status,
    attempts, next_attempt_at, last_error, data, created_at)
  SELECT {", ".join(f"r.{c}" for c in _NOTICE_COLUMNS)}, ev.id, '{NoticeStatus.PENDING}',
    0, %(now)s, '', '{{}}', %(now)s
  FROM jsonb_array_elements(%(notices)s::jsonb) WITH ORDINALITY AS x(doc, i)
  CROSS JOIN LATERAL jsonb_populate_record(NULL::tokens_notification, x.doc) r
  JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM e) ev
    ON ev.k = (x.doc ->> 'event')::int
  ORDER BY x.i
  RETURNING id
){ride}
SELECT p.id, p.name, ARRAY(SELECT e.id FROM e ORDER BY e.id),
  ARRAY(SELECT n.id FROM n ORDER BY n.id), ahead.*
FROM p, ({ahead_sql()}) AS ahead
"""


def _json(values: Any) -> str:
    # Identifiers and moments as text, which PostgreSQL reads back as uuid and
    # timestamptz (ISO 8601 with its offset).
    return json.dumps(values, default=str, separators=(",", ":"))


def write_issue(
    *,
    person: dict[str, str],
    token: Token,
    events: list,
    victim: Token | None,
    notifications: list[Notification],
    ahead_params: dict[str, Any],
    at: dt.datetime,
    rider: tuple[type[Model], dict[str, Any]] | None = None,
) -> Written:
    """PostgreSQL: register the person, insert the token, move the displaced one,
    write every event of the booking and the messages they owe (``notifications``,
    each holding its event among ``events``) and the ``rider``'s row, if any — one
    ``(model, values)`` as ``insert_row`` takes them: the notifications' delivery
    task (``notices.delivery_row``) — in one statement, one round trip.

    The notifications are pending and due now (the clock's now, as the model's
    defaults; ``at``, the change's own moment, may be a simulated one). The final
    SELECT counts the tokens ahead of the new one (``selectors.ahead_sql``) in the
    statement's snapshot, which holds every other token of the day as the engine
    saw it under the lock: the new token is not yet in it, and the displaced one
    still sits behind the new token in the calling order, as it did."""
    position = {id(event): i for i, event in enumerate(events)}
    params: dict[str, Any] = {f"p_{k}": v for k, v in person.items()}
    params.update(ahead_params)
    params.update(
        at=at,
        now=timezone.now(),
        token=_json({c: getattr(token, c) for c in _TOKEN_COLUMNS if c != "patient_id"}),
        events=_json([{c: getattr(event, c) for c in _EVENT_COLUMNS} for event in events]),
        notices=_json(
            [
                {"event": position[id(n.event)], **{c: getattr(n, c) for c in _NOTICE_COLUMNS}}
                for n in notifications
            ]
        ),
        v_id=victim.pk if victim else None,
        v_slot=victim.slot_id if victim else None,
        v_status=victim.status if victim else None,
    )
    model = None
    if rider is not None:
        model, values = rider
        for i, value in enumerate(_row_params(model, values, connection.alias)):
            params[f"rider_{i}"] = value
    with _cursor() as cursor:
        cursor.execute(_write_sql(model), params)
        patient_id, name, event_ids, notification_ids, *ahead = cursor.fetchone()
    return Written(patient_id, name, list(event_ids), list(notification_ids), tuple(ahead))


# --------------------------------------------------------------------------- screens


def days_version(
    *,
    date: dt.date,
    doctor_ids: list[int] | None = None,
    department_id: int | None = None,
    user_id: int | None = None,
) -> str | None:
    """A fingerprint of the active doctors named (by id, department or linked login)
    and their doctor-days of ``date``: it changes with every change the engine
    commits on those days (each bumps its day's ``version``), when a day is created
    and when a doctor joins or leaves. One query; None when no doctor matches. The
    screens' ETag (``tokens.pages.screens``): every screen pays it every 5 s."""
    where, params = ["doc.active"], [connection.ops.adapt_datefield_value(date)]
    if doctor_ids is not None:
        if not doctor_ids:
            return None
        where.append(f"doc.id IN ({', '.join(['%s'] * len(doctor_ids))})")
        params += doctor_ids
    if department_id is not None:
        where.append("doc.department_id = %s")
        params.append(department_id)
    if user_id is not None:
        where.append("doc.user_id = %s")
        params.append(user_id)
    with _cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), MAX(doc.id), COUNT(d.id), SUM(d.version) "
            "FROM scheduling_doctor doc LEFT JOIN scheduling_doctorday d "
            "ON d.doctor_id = doc.id AND d.date = %s "
            f"WHERE {' AND '.join(where)}",
            params,
        )
        doctors, top, days, version = cursor.fetchone()
    if not doctors:
        return None
    return f"{doctors}.{top}.{days}.{version}"


# --------------------------------------------------------------------------- users

_USER_FIELDS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
    "email", "is_staff", "is_active", "date_joined",
)  # fmt: skip


# Where a user is found: by API key (the portal's every request) or by id (the
# session of every signed-in page and screen poll).
_USER_BY = {
    "key": "FROM authtoken_token k JOIN auth_user u ON u.id = k.user_id WHERE k.key = %s",
    "id": "FROM auth_user u WHERE u.id = %s",
}


@cache
def _user_sql(by: str) -> str:
    has_role = [
        "EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
        f"WHERE ug.user_id = u.id AND g.name = '{role}')"  # our role names, never input
        for role in ROLES
    ]
    columns = [f"u.{name}" for name in _USER_FIELDS] + has_role
    return f"SELECT {', '.join(columns)} {_USER_BY[by]}"


def _user_with_roles(by: str, value: Any) -> AbstractUser | None:
    with _cursor() as cursor:
        cursor.execute(_user_sql(by), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    user = _build(get_user_model(), dict(zip(_USER_FIELDS, row, strict=False)))
    for name in ("is_superuser", "is_staff", "is_active"):  # SQLite: 0 or 1
        setattr(user, name, bool(getattr(user, name)))
    user.last_login, user.date_joined = _moment(user.last_login), _moment(user.date_joined)
    held = {role for role, has in zip(ROLES, row[len(_USER_FIELDS) :], strict=True) if has}
    remember_roles(user, held)
    return user


def api_key_user(key: str) -> AbstractUser | None:
    """The user of an API key with its roles (``roles.user_roles``) in one query;
    None for an unknown key. Every API request of the portal starts here."""
    return _user_with_roles("key", key)


def user_with_roles(user_id: int) -> AbstractUser | None:
    """The user with this id and their roles (``roles.user_roles``) in one query;
    None when there is none. Every signed-in request starts here
    (``tokens.auth_backends.RolesBackend``)."""
    return _user_with_roles("id", user_id)


# --------------------------------------------------------------------------- rows
# One row of any model, written without its ``save()``: no signals, no walk of the
# insert compiler. The delivery task every booking enqueues (``notifications.backend``),
# whose ORM ``create`` cost a sixth of a booking: on its own (``insert_row``), or
# inside the booking's write (``write_issue``'s ``rider``).


@cache
def _prepared_defaults(model: type[Model], alias: str, given: frozenset[str]) -> dict[str, Any]:
    # Per field not ``given``: its default, prepared for the database once.
    db = connections[alias]
    return {
        field.attname: field.get_db_prep_save(field.get_default(), db)
        for field in model._meta.concrete_fields
        if field.attname not in given
    }


def _row_params(model: type[Model], values: dict[str, Any], alias: str) -> list[Any]:
    # ``values`` by attribute name, every other field its default, in column order.
    db = connections[alias]
    defaults = _prepared_defaults(model, alias, frozenset(values))
    return [
        defaults[field.attname]
        if field.attname in defaults
        else field.get_db_prep_save(values[field.attname], db)
        for field in model._meta.concrete_fields
    ]


def row_instance(model: type[Model], values: dict[str, Any]) -> Model:
    """The instance of ``model`` that ``insert_row(model, values)`` (or a booking's
    ``rider``) writes, as the database would read it back."""
    fields = model._meta.concrete_fields
    return model.from_db(
        router.db_for_write(model),
        [field.attname for field in fields],
        [values[f.attname] if f.attname in values else f.get_default() for f in fields],
    )


@cache
def _insert_sql(model: type[Model], alias: str, named: str | None = None) -> str:
    # Its parameters in ``_row_params``'s order: positional, or ``named``_0, _1, …
    # (the booking's write, whose other parameters are named).
    quote = connections[alias].ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    if named is None:
        placeholders = ", ".join(["%s"] * len(fields))
    else:
        placeholders = ", ".join(f"%({named}_{i})s" for i in range(len(fields)))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"


def insert_row(model: type[Model], values: dict[str, Any]) -> Model:
    """Insert one row of ``model`` — ``values`` by attribute name, every other field
    its default — with one prepared INSERT built from the model's own fields, and
    return it (``row_instance``)."""
    alias = router.db_for_write(model)
    with _cursor(connections[alias]) as cursor:
        cursor.execute(_insert_sql(model, alias), _row_params(model, values, alias))
    return row_instance(model, values)
