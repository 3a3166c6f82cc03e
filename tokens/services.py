"""The allocation engine: every write to tokens goes through these functions.

The rules of docs/allocation.md are implemented here and nowhere else. Each public function:
- runs in one transaction whose first statement locks the doctor-day row
  (``_lock_day``), so all decisions for that day are serialized (docs/allocation.md, "Concurrency");
- re-reads everything it decides on after taking the lock;
- writes a ``TokenEvent`` for every token it changes, in the same transaction
  (and logs it on ``opd.tokens`` once that commits, ``tokens.event_log``);
- takes an explicit ``now`` so tests and the simulation control time;
- raises a ``tokens.errors.TokenError`` subclass on a rule conflict, leaving
  the database untouched.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from scheduling.models import Doctor, DoctorDay, Slot
from tokens import errors, notices, roles, statements
from tokens.event_log import log_events_on_commit
from tokens.models import (
    DISPLACEABLE,
    RANK,
    SEAT_HOLDING,
    EventKind,
    Notification,
    Patient,
    Source,
    Status,
    Token,
    TokenEvent,
    patient_name_key,
)
from tokens.patients import (
    external_id_normalise,
    name_normalise,
    patient_register,
    phone_normalise,
)
from tokens.selectors import (
    OPEN,
    Placement,
    ahead_params,
    placement_from_counts,
    slot_status,
    with_occupancy,
)

# Statuses token_reallocate accepts (pages ask token_available_actions, never guess).
REALLOCATABLE = (Status.ALLOCATED, Status.CHECKED_IN, Status.WAITLISTED)
# Sources whose patient is standing at the desk when the token is issued.
ISSUED_PRESENT = (Source.EMERGENCY, Source.WALK_IN)


@dataclass(frozen=True)
class Move:
    """A token that a request moved as a side effect (displaced, promoted, moved)."""

    token: Token
    kind: str
    from_slot: Slot | None
    to_slot: Slot | None


@dataclass
class IssueResult:
    token: Token
    moved: list[Move] = field(default_factory=list)
    # Where the new token stands, when the engine counted it with the write.
    placement: Placement | None = None

    @property
    def slot_differs(self) -> bool:
        """True when the token did not get the slot it asked for (rule 4)."""
        return self.token.slot_id != self.token.requested_slot_id


@dataclass
class ChangeResult:
    token: Token
    moved: list[Move] = field(default_factory=list)


def max_displacements() -> int:
    return settings.OPD_MAX_DISPLACEMENTS


# --------------------------------------------------------------------------- helpers


def _lock_day(day_id: int) -> DoctorDay:
    # The one lock of the engine (docs/allocation.md, "Concurrency"): taken first, so
    # two desks cannot both see the last seat free, and moves between slots of a day
    # cannot deadlock. It also bumps the day's version, the screens' ETag.
    day = statements.lock_day(by="day", params={"day": day_id})
    if day is None:
        raise errors.NotFound("No such doctor-day.")
    return day


class _Board:
    """The slots of a locked day with their occupancy, counted under the lock."""

    def __init__(self, day: DoctorDay, now: dt.datetime, slots: list[Slot] | None = None) -> None:
        self.day = day
        self.now = now
        self.slots = list(with_occupancy(Slot.objects.for_day(day))) if slots is None else slots
        for slot in self.slots:
            slot.day = day  # avoid one query per slot when computing datetimes

    def get(self, slot_id: int) -> Slot:
        for slot in self.slots:
            if slot.pk == slot_id:
                return slot
        raise errors.InvalidRequest(
            "That slot does not belong to this doctor's day.", fields={"slot": ["Unknown slot."]}
        )

    def is_live(self, slot: Slot) -> bool:
        return slot_status(slot, self.now) == OPEN

    def has_free_seat(self, slot: Slot) -> bool:
        return slot.occupied < slot.capacity

    def earliest_live(self) -> Slot:
        for slot in self.slots:
            if self.is_live(slot):
                return slot
        raise errors.NoOpenSlot()

    def later_with_free_seat(self, after: Slot) -> Slot | None:
        for slot in self.slots:
            if slot.start > after.start and self.is_live(slot) and self.has_free_seat(slot):
                return slot
        return None

    def alternatives(self) -> list[int]:
        return [s.pk for s in self.slots if self.is_live(s) and self.has_free_seat(s)]

    def seat(self, slot: Slot | None, delta: int) -> None:
        if slot is not None:
            self.get(slot.pk).occupied += delta


def _event(
    token: Token,
    kind: str,
    *,
    from_status: str,
    from_slot: Slot | None,
    actor,
    now: dt.datetime,
    reason: str = "",
    caused_by: Token | None = None,
) -> TokenEvent:
    """The audit record of one change of ``token`` (not saved yet)."""
    event = TokenEvent(
        token_id=token.pk,
        day_id=token.day_id,
        kind=kind,
        from_status=from_status,
        to_status=token.status,
        from_slot_id=from_slot.pk if from_slot else None,
        to_slot_id=token.slot_id,
        caused_by_id=caused_by.pk if caused_by else None,
        actor_id=actor.pk if getattr(actor, "pk", None) else None,
        reason=reason[:300],
        at=now,
    )
    # The objects at hand, so that logging the event after the commit reads nothing.
    event._state.fields_cache.update(token=token, caused_by=caused_by)
    return event


def _record(token: Token, kind: str, **fields) -> TokenEvent:
    """Write the audit record of one change, and the messages it owes the patient
    (docs/notifications.md), in the caller's transaction."""
    event = _event(token, kind, **fields)
    event.save()
    notices.record(notices.notices_for_events([event], actor=fields.get("actor")))
    log_events_on_commit([event])
    return event


def _ensure_day_open(day: DoctorDay) -> None:
    if day.cancelled:
        raise errors.DayCancelled(
            f"Dr {day.doctor.name}'s day {day.date:%d %b} is cancelled"
            + (f": {day.cancel_reason}" if day.cancel_reason else ".")
        )
    if day.closed_at is not None:
        raise errors.DayClosed(f"Dr {day.doctor.name}'s day {day.date:%d %b} is already closed.")


def _seated_status(token: Token) -> str:
    # A patient who was at the desk stays "present" when they get a seat back.
    return Status.CHECKED_IN if token.checked_in_at else Status.ALLOCATED


def _promote_into(
    day: DoctorDay, slot: Slot, *, actor, now: dt.datetime, reason: str = ""
) -> list[Move]:
    """Rule 6: fill free seats of a live slot from the waitlist, best first."""
    slot.day = day  # the locked day: no query to learn the slot's date
    if slot_status(slot, now) != OPEN:
        return []
    occupied = Token.objects.filter(slot=slot).seat_holding().count()
    moves = []
    # An overbooked slot counts its emergencies, so it absorbs them before promoting.
    while occupied < slot.capacity:
        best = Token.objects.for_day(day).waitlisted().select_related("patient").first()
        if best is None:
            break
        from_status = best.status
        best.slot = slot
        best.status = _seated_status(best)
        best.save(update_fields=["slot", "status"])
        _record(
            best,
            EventKind.PROMOTED,
            from_status=from_status,
            from_slot=None,
            actor=actor,
            now=now,
            reason=reason or "A seat became free.",
        )
        moves.append(Move(best, EventKind.PROMOTED, None, slot))
        occupied += 1
    return moves


def _reseat(board: _Board, token: Token, from_slot: Slot, target: Slot | None) -> None:
    """Move ``token`` out of ``from_slot`` into ``target``, or the waitlist if None."""
    if target is None:
        token.slot = None
        token.status = Status.WAITLISTED
    else:
        token.slot = target
        board.seat(target, +1)
    board.seat(from_slot, -1)


def _displace(
    board: _Board, victim: Token, *, by: Token, actor, now: dt.datetime, reason: str
) -> tuple[Move, TokenEvent]:
    """Rule 3: move one token to the earliest later slot with a seat, else waitlist.

    Never displaces anyone else in turn (no cascades). The token and its event are
    changed in memory only, for the caller to store with the booking."""
    from_slot = board.get(victim.slot_id)  # already counted under the lock: no query
    from_status = victim.status
    victim.displaced_count += 1
    _reseat(board, victim, from_slot, board.later_with_free_seat(from_slot))
    event = _event(
        victim,
        EventKind.DISPLACED,
        from_status=from_status,
        from_slot=from_slot,
        actor=actor,
        now=now,
        reason=reason,
        caused_by=by,
    )
    return Move(victim, EventKind.DISPLACED, from_slot, victim.slot), event


# --------------------------------------------------------------------------- issue


def token_book(
    *,
    source: str,
    name: str,
    phone: str,
    external_id: str = "",
    day_id: int | None = None,
    doctor_id: int | None = None,
    date: dt.date | None = None,
    slot_id: int | None = None,
    strict: bool = False,
    actor,
    now: dt.datetime,
) -> IssueResult:
    """Book a token for a person, as the desk, the portal and the simulation do.

    The doctor-day is named by ``day_id``, by ``slot_id`` alone, or by
    ``doctor_id`` and ``date`` (any of them may be given together; they must
    agree). In one transaction: lock that doctor-day first (found and locked in
    one statement), refuse a past day and a source ``actor``'s role may not issue
    (``roles.allowed_sources``: never trust a client with a priority), register
    or find the person (``patient_register``: phone plus name), then issue as
    ``token_issue`` does. A refusal leaves nothing behind, not even the patient.
    """
    _check_source(source)
    if date is not None:
        _refuse_past(date, now, field_name="date")  # bad input: no need to look further
    with transaction.atomic():
        day = _lock_requested_day(day_id=day_id, doctor_id=doctor_id, date=date, slot_id=slot_id)
        _refuse_past(day.date, now, field_name="date" if slot_id is None else "slot")
        allowed = roles.allowed_sources(actor)
        if source not in allowed:
            raise errors.SourceNotAllowed(
                f"This client may not issue {source} tokens.", allowed=list(allowed)
            )
        person = _person(name=name, phone=phone, external_id=external_id)
        return _issue(day, person, source, slot_id=slot_id, strict=strict, actor=actor, now=now)


def _check_source(source: str) -> None:
    if source not in Source.values:
        raise errors.InvalidRequest(
            f"Unknown source {source!r}.", fields={"source": ["Unknown source."]}
        )


def _person(*, name: str, phone: str, external_id: str = "") -> dict[str, str]:
    """Who the token is for, in the stored forms ``patient_register`` compares."""
    name = name_normalise(name)
    return {
        "name": name,
        "name_key": patient_name_key(name),
        "phone": phone_normalise(phone),
        "external_id": external_id_normalise(external_id),
    }


def _refuse_past(date: dt.date, now: dt.datetime, *, field_name: str) -> None:
    if date < timezone.localdate(now):
        raise errors.InvalidRequest(
            "That date is in the past.", fields={field_name: ["That date is in the past."]}
        )


def _lock_requested_day(
    *, day_id: int | None, doctor_id: int | None, date: dt.date | None, slot_id: int | None
) -> DoctorDay:
    # The engine's one lock (docs/allocation.md, "Concurrency"), found and taken in
    # the same statement: no window between resolving the day and locking it.
    if day_id is not None:
        # A slot of another day is refused by the board, with the slot's own message.
        day = statements.lock_day(by="day", params={"day": day_id}, issuing=True)
        if day is None:
            raise errors.NotFound("No such doctor-day.")
        return day
    if slot_id is not None:
        day = statements.lock_day(by="slot", params={"slot": slot_id}, issuing=True)
        if day is None or not day.doctor.active:
            raise errors.NotFound(f"No slot with id {slot_id}.")
        for what, asked, actual in (("doctor", doctor_id, day.doctor_id), ("date", date, day.date)):
            if asked is not None and asked != actual:
                raise errors.InvalidRequest(
                    f"That slot is not on the {what} asked for.",
                    fields={"slot": [f"That slot belongs to another {what}."]},
                )
        return day
    if doctor_id is None or date is None:
        raise errors.InvalidRequest(
            "Give the doctor and the date, or a slot.",
            fields={
                name: ["Give the doctor and the date, or a slot."]
                for name, value in (("doctor", doctor_id), ("date", date))
                if value is None
            },
        )
    params = {"doctor": doctor_id, "date": date}
    day = statements.lock_day(by="doctor_date", params=params, issuing=True)
    if day is not None and day.doctor.active:
        return day
    # The refusal names the doctor: one more query, on the unhappy path only.
    doctor = Doctor.objects.filter(pk=doctor_id, active=True).first()
    if doctor is None:
        raise errors.NotFound(f"No doctor with id {doctor_id}.")
    raise errors.NoOpenSlot(f"Dr {doctor.name} has no slots on {date:%d %b %Y}.")


def token_issue(
    *,
    day: DoctorDay,
    patient: Patient,
    source: str,
    slot: Slot | None = None,
    strict: bool = False,
    actor=None,
    now: dt.datetime,
) -> IssueResult:
    """Issue a token for an already registered ``patient`` on ``day`` (rules 1–5,
    10, 11); ``token_book`` is the door for requests from people and clients.

    Without ``slot`` the earliest slot of the day that has not ended is wanted.
    A free seat there is taken; a full slot displaces its lowest-priority
    displaceable token when the request outranks it; otherwise the token falls
    through to the earliest later slot with a seat, or the waitlist. With
    ``strict`` a full slot raises ``SlotFull`` listing alternatives instead.
    Emergencies are never refused or waitlisted: they overbook as a last resort.
    """
    _check_source(source)
    person = {
        "name": patient.name,
        "name_key": patient_name_key(patient.name),
        "phone": patient.phone,
        "external_id": patient.external_id,
    }
    with transaction.atomic():
        day = statements.lock_day(by="day", params={"day": day.pk}, issuing=True)
        if day is None:
            raise errors.NotFound("No such doctor-day.")
        slot_id = slot.pk if slot is not None else None
        return _issue(day, person, source, slot_id=slot_id, strict=strict, actor=actor, now=now)


def _issue(
    day: DoctorDay,
    person: dict[str, str],
    source: str,
    *,
    slot_id: int | None,
    strict: bool,
    actor,
    now: dt.datetime,
) -> IssueResult:
    """The issuing rules on a day the caller has locked, its counter already bumped."""
    _ensure_day_open(day)
    rank = RANK[source]
    read = statements.read_booking_board(
        day,
        rank=rank,
        phone=person["phone"],
        name_key=person["name_key"],
        max_displacements=max_displacements(),
    )
    if read.duplicate_id is not None:
        existing = Token.objects.select_related("patient").get(pk=read.duplicate_id)
        raise errors.DuplicateToken(
            f"{existing.patient.name} already holds token {existing.number} "
            "for this doctor that day.",
            id=str(existing.id),
            number=existing.number,
        )
    board = _Board(day, now, read.slots)
    if not board.slots:
        raise errors.NoOpenSlot(f"Dr {day.doctor.name} has no slots on {day.date:%d %b %Y}.")
    if slot_id is not None:
        wanted = board.get(slot_id)
        if wanted.closed:
            raise errors.SlotClosed(f"The {wanted.label} slot is closed.")
        if wanted.has_ended(now):
            raise errors.SlotEnded(f"The {wanted.label} slot has already ended.")
    else:
        wanted = board.earliest_live()

    victim = None
    overbooked = False
    if board.has_free_seat(wanted) or (victim := read.victims.get(wanted.pk)) is not None:
        seat = wanted
    elif source == Source.EMERGENCY:
        seat, overbooked = wanted, True
    elif strict:
        raise errors.SlotFull(
            f"The {wanted.label} slot is full.", alternatives=board.alternatives()
        )
    else:
        seat = board.later_with_free_seat(wanted)

    # At the desk, so present — on the token's own day only: a walk-in or emergency
    # booked for a later day is allocated, and keeps its priority.
    present = source in ISSUED_PRESENT and day.date == timezone.localdate(now)
    token = Token(
        day_id=day.pk,
        seq=day.token_counter,  # bumped by the lock
        number=f"{day.doctor.code}-{day.token_counter:03d}",
        slot_id=seat.pk if seat else None,
        requested_slot_id=wanted.pk,
        source=source,
        rank=rank,
        status=(Status.CHECKED_IN if present else Status.ALLOCATED) if seat else Status.WAITLISTED,
        overbooked=overbooked,
        displaced_count=0,
        requested_at=now,
        checked_in_at=now if present else None,
        created_by_id=actor.pk if getattr(actor, "pk", None) else None,
    )
    token._state.fields_cache.update(day=day, slot=seat, requested_slot=wanted)
    events = [
        _event(
            token,
            EventKind.ISSUED,
            from_status="",
            from_slot=None,
            actor=actor,
            now=now,
            reason="Emergency overbooked the slot." if overbooked else "",
        )
    ]
    moved = []
    if victim is not None:
        move, event = _displace(
            board,
            victim,
            by=token,
            actor=actor,
            now=now,
            reason=f"Seat taken by {token.get_source_display()} token {token.number}.",
        )
        moved.append(move)
        events.append(event)
    owed = notices.notices_for_events(events, actor=actor)
    placement = _store_issue(person, token, events, victim, owed, now=now)
    log_events_on_commit(events)
    board.seat(seat, +1)
    return IssueResult(token=token, moved=moved, placement=placement)


def _store_issue(
    person: dict[str, str],
    token: Token,
    events: list[TokenEvent],
    victim: Token | None,
    owed: list[Notification],
    *,
    now: dt.datetime,
) -> Placement | None:
    """Write a booking: the person, the token, the displaced token, the events and
    the messages they owe (``owed``), and enqueue their delivery.

    PostgreSQL: one statement (``statements.write_issue``), which also writes the
    delivery task's row (``notices.delivery_row``) and counts the new token's place
    in the queue. Elsewhere (SQLite, in-process): the ORM, and
    the place is counted when the response needs it."""
    if connection.vendor == "postgresql":
        task_row = notices.delivery_row(owed)
        written = statements.write_issue(
            person=person,
            token=token,
            events=events,
            victim=victim,
            notifications=owed,
            ahead_params=ahead_params(token),
            at=now,
            rider=task_row,
        )
        token.patient = Patient(
            id=written.patient_id,
            name=written.patient_name,
            **{k: person[k] for k in ("name_key", "phone")},
        )
        token._state.adding, token._state.db = False, connection.alias
        for event, event_id in zip(events, written.event_ids, strict=True):
            event.pk = event.id = event_id
        for notification, notification_id in zip(owed, written.notification_ids, strict=True):
            notification.pk = notification.id = notification_id
            notification.event_id = notification.event.pk
            notification._state.adding, notification._state.db = False, connection.alias
        notices.record(owed, written=True, task_row=task_row)
        return placement_from_counts(token, written.ahead, now=now)
    token.patient = patient_register(
        name=person["name"], phone=person["phone"], external_id=person["external_id"]
    )
    token.save(force_insert=True)
    if victim is not None:
        victim.save(update_fields=["slot", "status", "displaced_count"])
    TokenEvent.objects.bulk_create(events)  # ids keep the booking's order
    notices.record(owed)
    return None


# --------------------------------------------------------------------------- transitions


def _set_status(
    token: Token, *, to_status: str, kind: str, stamp: str, actor, now: dt.datetime, reason: str
) -> None:
    """Move ``token`` to ``to_status``, stamp the time, and record the event."""
    from_status, from_slot = token.status, token.slot
    token.status = to_status
    setattr(token, stamp, now)
    update = ["status", stamp]
    if to_status == Status.CANCELLED and reason:
        token.cancel_reason = reason[:300]
        update.append("cancel_reason")
    token.save(update_fields=update)
    _record(
        token,
        kind,
        from_status=from_status,
        from_slot=from_slot,
        actor=actor,
        now=now,
        reason=reason,
    )


# action -> (statuses it may start from, status it leads to, event kind, verb for messages)
_TRANSITIONS = {
    "check_in": ((Status.ALLOCATED,), Status.CHECKED_IN, EventKind.CHECKED_IN, "check in"),
    "call": ((Status.CHECKED_IN,), Status.IN_CONSULTATION, EventKind.CALLED, "call"),
    "complete": ((Status.IN_CONSULTATION,), Status.COMPLETED, EventKind.COMPLETED, "complete"),
    "cancel": (
        (Status.ALLOCATED, Status.WAITLISTED, Status.CHECKED_IN),
        Status.CANCELLED,
        EventKind.CANCELLED,
        "cancel",
    ),
    "no_show": (
        (Status.ALLOCATED, Status.CHECKED_IN, Status.IN_CONSULTATION),
        Status.NO_SHOW,
        EventKind.NO_SHOW,
        "mark as no-show",
    ),
}

_TIMESTAMP = {
    "check_in": "checked_in_at",
    "call": "called_at",
    "complete": "completed_at",
    "cancel": "cancelled_at",
    "no_show": "no_show_at",
}


def _reload(token: Token) -> Token:
    return Token.objects.select_related("slot", "patient", "day__doctor").get(pk=token.pk)


def _transition(
    token: Token, action: str, *, actor, now: dt.datetime, reason: str = ""
) -> ChangeResult:
    allowed, to_status, kind, verb = _TRANSITIONS[action]
    with transaction.atomic():
        day = _lock_day(token.day_id)
        token = _reload(token)
        if day.closed_at is not None:
            raise errors.DayClosed(f"{token.number}: the doctor's day is already closed.")
        if token.status not in allowed:
            raise errors.InvalidTransition(
                f"Cannot {verb} token {token.number}: it is {token.get_status_display().lower()}.",
                status=token.status,
            )
        if action == "check_in" and day.date > timezone.localdate(now):
            raise errors.NotTokenDay(
                f"{token.number} is for {day.date:%d %b}: check the patient in on that day."
            )
        if action == "call":
            current = Token.objects.for_day(day).filter(status=Status.IN_CONSULTATION).first()
            if current is not None:
                raise errors.ConsultationInProgress(
                    f"{current.number} is still in consultation: complete it first.",
                    current=str(current.id),
                )
        from_status, from_slot = token.status, token.slot
        _set_status(
            token,
            to_status=to_status,
            kind=kind,
            stamp=_TIMESTAMP[action],
            actor=actor,
            now=now,
            reason=reason,
        )
        moved: list[Move] = []
        if from_status in SEAT_HOLDING and to_status not in SEAT_HOLDING:
            moved = _promote_into(
                day, from_slot, actor=actor, now=now, reason=f"Seat freed by {token.number}."
            )
        return ChangeResult(token=token, moved=moved)


def token_check_in(*, token: Token, actor=None, now: dt.datetime) -> ChangeResult:
    """The patient of an allocated token has arrived (allocated → checked_in)."""
    return _transition(token, "check_in", actor=actor, now=now)


def token_call(*, token: Token, actor=None, now: dt.datetime) -> ChangeResult:
    """The doctor calls this checked-in patient in (checked_in → in_consultation).

    Refused while another consultation of the same doctor-day is open."""
    return _transition(token, "call", actor=actor, now=now)


def token_call_next(*, day: DoctorDay, actor=None, now: dt.datetime) -> ChangeResult:
    """Call the first token of the day's calling order (rule 9)."""
    with transaction.atomic():
        locked = _lock_day(day.pk)
        nxt = (
            Token.objects.for_day(locked)
            .filter(status=Status.CHECKED_IN)
            .in_calling_order()
            .first()
        )
        if nxt is None:
            raise errors.QueueEmpty()
        # Nested atomic: re-taking our own row lock is free.
        return _transition(nxt, "call", actor=actor, now=now)


def token_complete(*, token: Token, actor=None, now: dt.datetime) -> ChangeResult:
    """The consultation is over (in_consultation → completed; the seat stays used)."""
    return _transition(token, "complete", actor=actor, now=now)


def token_cancel(*, token: Token, actor=None, now: dt.datetime, reason: str = "") -> ChangeResult:
    """Cancel an active token; a freed seat is offered to the waitlist (rule 6)."""
    return _transition(token, "cancel", actor=actor, now=now, reason=reason)


def token_mark_no_show(
    *, token: Token, actor=None, now: dt.datetime, reason: str = ""
) -> ChangeResult:
    """The patient did not come; the freed seat is offered to the waitlist (rule 6)."""
    return _transition(token, "no_show", actor=actor, now=now, reason=reason)


def token_reallocate(
    *, token: Token, slot: Slot, actor=None, now: dt.datetime, reason: str = ""
) -> ChangeResult:
    """Staff move a token to another live slot of the same day that has a free seat.

    Never displaces anyone; a full target raises ``SlotFull`` with alternatives.
    The seat left behind is offered to the waitlist."""
    with transaction.atomic():
        day = _lock_day(token.day_id)
        token = _reload(token)
        _ensure_day_open(day)
        if token.status not in REALLOCATABLE:
            raise errors.InvalidTransition(
                f"Cannot reallocate token {token.number}: it is "
                f"{token.get_status_display().lower()}.",
                status=token.status,
            )
        board = _Board(day, now)
        target = board.get(slot.pk)
        if target.pk == token.slot_id:
            raise errors.InvalidRequest(
                f"{token.number} is already in the {target.label} slot.",
                fields={"slot": ["Same slot."]},
            )
        if target.closed:
            raise errors.SlotClosed(f"The {target.label} slot is closed.")
        if target.has_ended(now):
            raise errors.SlotEnded(f"The {target.label} slot has already ended.")
        if not board.has_free_seat(target):
            raise errors.SlotFull(
                f"The {target.label} slot is full.", alternatives=board.alternatives()
            )
        from_status, from_slot = token.status, token.slot
        token.slot = target
        # ``overbooked`` means "took its current seat beyond capacity": this one is free.
        token.overbooked = False
        if token.status == Status.WAITLISTED:
            token.status = _seated_status(token)
        token.save(update_fields=["slot", "status", "overbooked"])
        _record(
            token,
            EventKind.REALLOCATED,
            from_status=from_status,
            from_slot=from_slot,
            actor=actor,
            now=now,
            reason=reason,
        )
        moved = []
        if from_slot is not None:
            moved = _promote_into(
                day, from_slot, actor=actor, now=now, reason=f"Seat freed by {token.number}."
            )
        return ChangeResult(token=token, moved=moved)


# --------------------------------------------------------------------------- day operations
# Rules 7 and 8 and the end of the day. Same protocol: lock the day first.


@dataclass
class SlotChangeResult:
    slot: Slot
    moved: list[Move] = field(default_factory=list)


@dataclass
class DayCancelResult:
    day: DoctorDay
    cancelled: list[Token] = field(default_factory=list)


@dataclass
class DayCloseResult:
    day: DoctorDay
    expired: list[Token] = field(default_factory=list)
    no_show: list[Token] = field(default_factory=list)
    completed: list[Token] = field(default_factory=list)
    already_closed: bool = False


def day_set_delay(*, day: DoctorDay, minutes: int, actor=None, now: dt.datetime) -> DoctorDay:
    """Record that the doctor runs ``minutes`` late (rule 8); every estimate shifts.

    Zero clears the delay; anything but a whole number from 0 to
    ``MAX_DELAY_MINUTES`` is refused, as is a cancelled or closed day."""
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 0 <= minutes <= MAX_DELAY_MINUTES
    ):
        raise errors.InvalidRequest(
            f"The delay must be a whole number of minutes from 0 to {MAX_DELAY_MINUTES}.",
            fields={"minutes": [f"Enter 0 to {MAX_DELAY_MINUTES}."]},
        )
    with transaction.atomic():
        day = _lock_day(day.pk)
        _ensure_day_open(day)
        previous, day.delay_minutes = day.delay_minutes, minutes
        day.save(update_fields=["delay_minutes"])
        waiting = Token.objects.for_day(day).filter(status__in=notices.DELAY_TOLD)
        notices.record(notices.notices_for_delay(day, minutes, waiting, previous=previous))
        return day


MAX_CAPACITY = 500
MAX_DELAY_MINUTES = 720


def slot_set_capacity(
    *, slot: Slot, capacity: int, actor=None, now: dt.datetime
) -> SlotChangeResult:
    """Change a slot's capacity, never below the seats already taken (I1).

    Under the day's lock, so a booking racing the change cannot take a seat the
    new capacity no longer has. New seats of a live slot go to the waitlist at
    once (rule 6). Returns the slot (``result.slot``) and the tokens promoted."""
    if (
        not isinstance(capacity, int)
        or isinstance(capacity, bool)
        or not 1 <= capacity <= MAX_CAPACITY
    ):
        raise errors.InvalidRequest(
            f"The capacity must be a whole number from 1 to {MAX_CAPACITY}.",
            fields={"capacity": [f"Enter 1 to {MAX_CAPACITY}."]},
        )
    with transaction.atomic():
        day = _lock_day(slot.day_id)
        _ensure_day_open(day)
        board = _Board(day, now)
        target = board.get(slot.pk)
        if capacity < target.occupied:
            raise errors.CapacityBelowSeats(
                f"{target.occupied} seats of the {target.label} slot are already taken: "
                f"its capacity cannot go below {target.occupied}."
            )
        target.capacity = capacity
        target.save(update_fields=["capacity"])
        moved = _promote_into(day, target, actor=actor, now=now, reason="The slot got more seats.")
        return SlotChangeResult(slot=target, moved=moved)


def slot_close(*, slot: Slot, actor=None, now: dt.datetime, reason: str = "") -> SlotChangeResult:
    """Close a slot (the doctor is called away, rule 8).

    Its tokens that wait for a seat in it (allocated or checked in) move, best
    priority first, to later live slots with a free seat, else to the waitlist.
    An emergency is never waitlisted: with no free seat it overbooks the earliest
    later live slot. A consultation already under way, and finished ones, stay.
    """
    with transaction.atomic():
        day = _lock_day(slot.day_id)
        _ensure_day_open(day)
        board = _Board(day, now)
        closing = board.get(slot.pk)
        if closing.closed:
            raise errors.SlotClosed(f"The {closing.label} slot is already closed.")
        if closing.has_ended(now):
            raise errors.SlotEnded(f"The {closing.label} slot has already ended.")
        closing.closed = True
        closing.closed_reason = reason[:300]
        closing.save(update_fields=["closed", "closed_reason"])
        moved = []
        waiting = (
            Token.objects.filter(slot=closing, status__in=DISPLACEABLE)
            .select_related("patient")
            .order_by("rank", "requested_at", "seq")
        )
        for token in waiting:
            from_status = token.status
            target = board.later_with_free_seat(closing)
            token.overbooked = False
            if target is None and token.source == Source.EMERGENCY:
                target = next(
                    (s for s in board.slots if s.start > closing.start and board.is_live(s)), None
                )
                token.overbooked = target is not None
            _reseat(board, token, closing, target)
            token.save(update_fields=["slot", "status", "overbooked"])
            _record(
                token,
                EventKind.MOVED,
                from_status=from_status,
                from_slot=closing,
                actor=actor,
                now=now,
                reason=reason or f"The {closing.label} slot was closed.",
            )
            moved.append(Move(token, EventKind.MOVED, closing, token.slot))
        return SlotChangeResult(slot=closing, moved=moved)


def day_cancel(*, day: DoctorDay, reason: str, actor=None, now: dt.datetime) -> DayCancelResult:
    """Cancel the doctor's whole day (rule 8).

    Every token still waiting (allocated, checked in, waitlisted) is cancelled
    with the reason kept; they are returned so reception can phone the patients.
    A consultation under way is left to finish."""
    reason = " ".join(reason.split())
    if not reason:
        raise errors.InvalidRequest(
            "Say why the day is cancelled: patients will be told.",
            fields={"reason": ["This field is required."]},
        )
    with transaction.atomic():
        day = _lock_day(day.pk)
        _ensure_day_open(day)
        day.cancelled = True
        day.cancel_reason = reason[:300]
        day.save(update_fields=["cancelled", "cancel_reason"])
        to_phone = list(
            Token.objects.for_day(day)
            .filter(status__in=(Status.ALLOCATED, Status.CHECKED_IN, Status.WAITLISTED))
            .select_related("patient", "slot")
            .order_by("slot__start", "rank", "seq")
        )
        for token in to_phone:
            _set_status(
                token,
                to_status=Status.CANCELLED,
                kind=EventKind.DAY_CANCELLED,
                stamp="cancelled_at",
                actor=actor,
                now=now,
                reason=f"Doctor's day cancelled: {reason}",
            )
        return DayCancelResult(day=day, cancelled=to_phone)


def tokens_mark_no_shows(
    *,
    now: dt.datetime,
    grace_minutes: int | None = None,
    actor=None,
    day_ids: list[int] | None = None,
) -> list[Token]:
    """Rule 7: a token still ``allocated`` when its slot ended plus the grace
    period becomes ``no_show``; freed seats of live slots go to the waitlist.

    ``day_ids`` limits the sweep to those doctor-days (the simulation must not
    touch real days). Idempotent and safe to run every minute: a token is only
    ever marked once."""
    grace = dt.timedelta(
        minutes=settings.OPD_NO_SHOW_GRACE_MINUTES if grace_minutes is None else grace_minutes
    )
    day_ids = (
        Token.objects.filter(
            status=Status.ALLOCATED,
            day__closed_at__isnull=True,
            day__date__lte=timezone.localdate(now),
            **({"day_id__in": day_ids} if day_ids is not None else {}),
        )
        .values_list("day_id", flat=True)
        .distinct()
    )
    marked = []
    for day_id in list(day_ids):
        with transaction.atomic():
            day = _lock_day(day_id)
            overdue = [
                token
                for token in Token.objects.for_day(day)
                .filter(status=Status.ALLOCATED)
                .select_related("slot", "patient")
                if _slot_end(day, token.slot) + grace <= now
            ]
            for token in overdue:
                result = token_mark_no_show(
                    token=token,
                    actor=actor,
                    now=now,
                    reason="Not checked in by the end of the slot.",
                )
                marked.append(result.token)
    return marked


def _slot_end(day: DoctorDay, slot: Slot) -> dt.datetime:
    slot.day = day
    return slot.end_at


def day_close(*, day: DoctorDay, actor=None, now: dt.datetime) -> DayCloseResult:
    """Close the doctor's day: nothing stays in play (I2).

    Waitlisted tokens and checked-in tokens never called become ``expired``,
    tokens never checked in ``no_show``, an open consultation ``completed``.
    Closing an already closed day changes nothing."""
    with transaction.atomic():
        day = _lock_day(day.pk)
        if day.closed_at is not None:
            return DayCloseResult(day=day, already_closed=True)
        result = DayCloseResult(day=day)
        leftovers = Token.objects.for_day(day).active().select_related("patient", "slot")
        ending = {
            Status.WAITLISTED: (Status.EXPIRED, EventKind.EXPIRED, "expired_at", result.expired),
            Status.CHECKED_IN: (Status.EXPIRED, EventKind.EXPIRED, "expired_at", result.expired),
            Status.ALLOCATED: (Status.NO_SHOW, EventKind.NO_SHOW, "no_show_at", result.no_show),
            Status.IN_CONSULTATION: (
                Status.COMPLETED,
                EventKind.COMPLETED,
                "completed_at",
                result.completed,
            ),
        }
        for token in leftovers.order_by("seq"):
            to_status, kind, stamp, bucket = ending[token.status]
            _set_status(
                token,
                to_status=to_status,
                kind=kind,
                stamp=stamp,
                actor=actor,
                now=now,
                reason="The doctor's day was closed.",
            )
            bucket.append(token)
        day.closed_at = now
        day.save(update_fields=["closed_at"])
        return result


# --------------------------------------------------------------------------- for user interfaces


def token_available_actions(token: Token, now: dt.datetime | None = None) -> frozenset[str]:
    """Actions the engine would accept for ``token`` as it is ``now``: ``check_in``,
    ``call``, ``complete``, ``cancel``, ``no_show``, ``reallocate``.

    Pages use it to offer only buttons that can succeed; the engine still decides
    under the lock, so a stale page gets a clear error, never a wrong change."""
    day = token.day
    if day.closed_at is not None:
        return frozenset()
    actions = {name for name, (allowed, *_rest) in _TRANSITIONS.items() if token.status in allowed}
    if day.date > timezone.localdate(now or timezone.now()):
        actions.discard("check_in")
    if token.status in REALLOCATABLE and not day.cancelled:
        actions.add("reallocate")
    return frozenset(actions)
