"""The engine against a reference model of the allocation policy.

``RefDay`` below re-implements docs/allocation.md rules 1–6, 9 and 10 in plain Python,
straight from the text and without the database. A hypothesis state machine
drives the real services and the model with the same random operations on a
small doctor-day while a simulated clock moves on (so slots end), and after
every step requires that the invariant checker finds nothing and that every
token's status, slot, overbook flag and displacement count, and the error code
of every refused operation, are what the model says.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tokens import errors
from tokens.invariants import check_day
from tokens.models import RANK, Source, Status, Token
from tokens.services import (
    token_call,
    token_call_next,
    token_cancel,
    token_check_in,
    token_complete,
    token_issue,
    token_mark_no_show,
    token_reallocate,
)

# --------------------------------------------------------------------------- the model

SEATED = {Status.ALLOCATED, Status.CHECKED_IN, Status.IN_CONSULTATION, Status.COMPLETED}
ACTIVE = {Status.ALLOCATED, Status.WAITLISTED, Status.CHECKED_IN, Status.IN_CONSULTATION}
PRESENT_AT_ISSUE = {Source.EMERGENCY, Source.WALK_IN}

# action -> (statuses it may start from, status it leads to). docs/allocation.md refuses what
# makes no sense (cancel a completed token, no-show a waitlisted one); where it is
# silent (no-show during a consultation) this follows the engine's table.
TRANSITIONS = {
    "check_in": ({Status.ALLOCATED}, Status.CHECKED_IN),
    "call": ({Status.CHECKED_IN}, Status.IN_CONSULTATION),
    "complete": ({Status.IN_CONSULTATION}, Status.COMPLETED),
    "cancel": ({Status.ALLOCATED, Status.WAITLISTED, Status.CHECKED_IN}, Status.CANCELLED),
    "no_show": (
        {Status.ALLOCATED, Status.CHECKED_IN, Status.IN_CONSULTATION},
        Status.NO_SHOW,
    ),
}


class Refused(Exception):
    def __init__(self, code: str, **extra) -> None:
        super().__init__(code)
        self.code, self.extra = code, extra


@dataclass
class RefSlot:
    start: dt.datetime
    end: dt.datetime
    capacity: int


@dataclass
class RefToken:
    seq: int
    phone: str
    source: str
    requested_at: dt.datetime
    status: str
    slot: int | None  # index into RefDay.slots, which are in time order
    present: bool  # has been at the desk: a seat given back makes it checked in
    overbooked: bool = False
    displaced: int = 0

    @property
    def rank(self) -> int:
        return RANK[self.source]

    @property
    def priority(self) -> tuple:
        # Smaller is better: rank, then request time (rules 3, 6; I4).
        return (self.rank, self.requested_at, self.seq)


class RefDay:
    def __init__(self, slots: list[RefSlot], max_displacements: int) -> None:
        self.slots = slots
        self.max_displacements = max_displacements
        self.tokens: list[RefToken] = []

    def occupied(self, i: int) -> int:
        return sum(1 for t in self.tokens if t.slot == i and t.status in SEATED)

    def seat_holders(self) -> list[RefToken]:
        """Tokens a cancellation or no-show would take a seat from."""
        held = (Status.ALLOCATED, Status.CHECKED_IN, Status.IN_CONSULTATION)
        return [t for t in self.tokens if t.status in held]

    def waiting_to_be_called(self) -> list[RefToken]:
        return [t for t in self.tokens if t.status == Status.CHECKED_IN]

    def in_consultation(self) -> RefToken | None:
        return next((t for t in self.tokens if t.status == Status.IN_CONSULTATION), None)

    def live(self, i: int, now: dt.datetime) -> bool:
        return now < self.slots[i].end

    def free(self, i: int) -> bool:
        return self.occupied(i) < self.slots[i].capacity

    def later_free(self, i: int, now: dt.datetime) -> int | None:
        return next(
            (j for j in range(i + 1, len(self.slots)) if self.live(j, now) and self.free(j)),
            None,
        )

    def alternatives(self, now: dt.datetime) -> list[int]:
        return [j for j in range(len(self.slots)) if self.live(j, now) and self.free(j)]

    def seat_status(self, token: RefToken) -> str:
        return Status.CHECKED_IN if token.present else Status.ALLOCATED

    # rules 1–5 and 10
    def issue(
        self, *, phone: str, source: str, slot: int | None, strict: bool, now: dt.datetime
    ) -> RefToken:
        if any(t.phone == phone and t.status in ACTIVE for t in self.tokens):
            raise Refused("duplicate_token")
        if slot is not None:
            if not self.live(slot, now):
                raise Refused("slot_ended")
            wanted = slot
        else:
            wanted = next((i for i in range(len(self.slots)) if self.live(i, now)), None)
            if wanted is None:
                raise Refused("no_open_slot")
        rank = RANK[source]
        victims = [
            t
            for t in self.tokens
            if t.slot == wanted
            and t.status in (Status.ALLOCATED, Status.CHECKED_IN)
            and t.rank > rank
            and t.displaced < self.max_displacements
        ]
        overbooked = False
        victim = None
        if self.free(wanted):
            seat = wanted
        elif victims:
            victim = max(victims, key=lambda t: t.priority)  # lowest, latest arrival
            seat = wanted
        elif source == Source.EMERGENCY:
            seat, overbooked = wanted, True
        elif strict:
            raise Refused("slot_full", alternatives=self.alternatives(now))
        else:
            seat = self.later_free(wanted, now)
        present = source in PRESENT_AT_ISSUE
        token = RefToken(
            seq=len(self.tokens) + 1,
            phone=phone,
            source=source,
            requested_at=now,
            status=Status.WAITLISTED
            if seat is None
            else (Status.CHECKED_IN if present else Status.ALLOCATED),
            slot=seat,
            present=present,
            overbooked=overbooked,
        )
        if victim is not None:
            target = self.later_free(wanted, now)  # never cascades
            victim.displaced += 1
            victim.slot = target
            if target is None:
                victim.status = Status.WAITLISTED
        self.tokens.append(token)
        return token

    # rule 6
    def promote_into(self, i: int, now: dt.datetime) -> None:
        if not self.live(i, now):
            return
        while self.free(i):
            waiting = [t for t in self.tokens if t.status == Status.WAITLISTED]
            if not waiting:
                return
            best = min(waiting, key=lambda t: t.priority)
            best.slot, best.status = i, self.seat_status(best)

    def change(self, token: RefToken, action: str, now: dt.datetime) -> None:
        allowed, to_status = TRANSITIONS[action]
        if token.status not in allowed:
            raise Refused("invalid_transition")
        if action == "call" and self.in_consultation() is not None:
            raise Refused("consultation_in_progress")
        was_seated = token.status in SEATED
        token.status = to_status
        if action == "check_in":
            token.present = True
        if was_seated and to_status not in SEATED:
            self.promote_into(token.slot, now)

    # rule 9
    def next_to_call(self) -> RefToken:
        waiting = self.waiting_to_be_called()
        if not waiting:
            raise Refused("queue_empty")
        return min(
            waiting,
            key=lambda t: (t.source != Source.EMERGENCY, self.slots[t.slot].start, *t.priority),
        )

    def reallocate(self, token: RefToken, slot: int, now: dt.datetime) -> None:
        if token.status not in (Status.ALLOCATED, Status.CHECKED_IN, Status.WAITLISTED):
            raise Refused("invalid_transition")
        if slot == token.slot:
            raise Refused("validation_error")
        if not self.live(slot, now):
            raise Refused("slot_ended")
        if not self.free(slot):
            raise Refused("slot_full", alternatives=self.alternatives(now))
        from_slot = token.slot
        token.slot = slot
        token.overbooked = False  # a free seat: no longer beyond capacity
        if token.status == Status.WAITLISTED:
            token.status = self.seat_status(token)
        if from_slot is not None:
            self.promote_into(from_slot, now)


# --------------------------------------------------------------------------- the machine

PATIENTS = 14  # few enough that the same patient asks twice (rule 10)
END = at(13, 30)
REQUEST = {
    "patient": st.integers(0, PATIENTS - 1),
    "source": st.sampled_from(Source.values),
    "slot": st.none() | st.integers(0, 3),  # taken modulo the day's slot count
    "strict": st.sampled_from([False, False, False, True]),
}
REQUESTS = st.fixed_dictionaries(REQUEST)
CHANGES = {
    "cancel": token_cancel,
    "no_show": token_mark_no_show,
    "check_in": token_check_in,
    "call": token_call,
    "complete": token_complete,
}


class PolicyMachine(RuleBasedStateMachine):
    @initialize(
        capacities=st.lists(st.integers(1, 2), min_size=3, max_size=4),
        bookings=st.lists(REQUESTS, min_size=4, max_size=10),
        opening=st.sampled_from([at(8, 30), at(9, 40)]),  # late: the first slot soon ends
    )
    def open_day(self, capacities, bookings, opening):
        self.day = make_day(*capacities)
        self.slots = list(self.day.slots.order_by("start"))
        for slot in self.slots:
            slot.day = self.day
        self.model = RefDay(
            [RefSlot(s.start_at, s.end_at, s.capacity) for s in self.slots],
            django_settings.OPD_MAX_DISPLACEMENTS,
        )
        self.patients = [PatientFactory() for _ in range(PATIENTS)]
        self.pks: dict[int, object] = {}  # model seq -> token pk
        self.now = opening
        # Bookings made before the day, so that every example starts with a queue.
        for request in bookings:
            self.issue(**request)

    def expect(self, run, model_op):
        """Run the service and the model; both succeed, or both refuse with one code."""
        try:
            expected = model_op()
        except Refused as refused:
            with pytest.raises(errors.TokenError) as raised:
                run()
            assert raised.value.code == refused.code, raised.value.detail
            if "alternatives" in refused.extra:
                assert raised.value.extra["alternatives"] == [
                    self.slots[i].pk for i in refused.extra["alternatives"]
                ]
            return None
        try:
            result = run()
        except errors.TokenError as exc:
            pytest.fail(f"the model accepts what the engine refused: {exc.code}: {exc.detail}")
        return expected, result

    def token(self, data) -> tuple[RefToken, Token]:
        ref = data.draw(st.sampled_from(self.model.tokens), label="token")
        return ref, Token.objects.get(pk=self.pks[ref.seq])

    @rule(minutes=st.sampled_from([5, 20, 45]))
    def time_passes(self, minutes):
        self.now = min(self.now + dt.timedelta(minutes=minutes), END)

    @rule(**REQUEST)
    def issue(self, patient, source, slot, strict):
        slot = None if slot is None else slot % len(self.slots)
        patient = self.patients[patient]
        outcome = self.expect(
            lambda: token_issue(
                day=self.day,
                patient=patient,
                source=source,
                slot=None if slot is None else self.slots[slot],
                strict=strict,
                now=self.now,
            ),
            lambda: self.model.issue(
                phone=patient.phone, source=source, slot=slot, strict=strict, now=self.now
            ),
        )
        if outcome is not None:
            ref, result = outcome
            assert result.token.seq == ref.seq
            self.pks[ref.seq] = result.token.pk

    @precondition(lambda self: self.model.tokens)
    @rule(action=st.sampled_from([*CHANGES, "call_next"]), data=st.data())
    def change(self, action, data):
        if action == "call_next":
            self.call_next()
            return
        ref, token = self.token(data)
        self.expect(
            lambda: CHANGES[action](token=token, now=self.now),
            lambda: self.model.change(ref, action, self.now),
        )

    @precondition(lambda self: self.model.seat_holders())
    @rule(action=st.sampled_from(["cancel", "no_show"]), data=st.data())
    def free_a_seat(self, action, data):
        # Aimed at rule 6: random picks mostly hit tokens that cannot change.
        ref = data.draw(st.sampled_from(self.model.seat_holders()), label="seat holder")
        token = Token.objects.get(pk=self.pks[ref.seq])
        self.expect(
            lambda: CHANGES[action](token=token, now=self.now),
            lambda: self.model.change(ref, action, self.now),
        )

    @precondition(lambda self: self.model.waiting_to_be_called())
    @rule()
    def doctor_sees_the_next_patient(self):
        # Aimed at rule 9: the doctor finishes the open consultation and calls the next.
        current = self.model.in_consultation()
        if current is not None:
            token = Token.objects.get(pk=self.pks[current.seq])
            self.expect(
                lambda: token_complete(token=token, now=self.now),
                lambda: self.model.change(current, "complete", self.now),
            )
        self.call_next()

    def call_next(self):
        def model_op():
            nxt = self.model.next_to_call()
            self.model.change(nxt, "call", self.now)
            return nxt

        outcome = self.expect(lambda: token_call_next(day=self.day, now=self.now), model_op)
        if outcome is not None:
            ref, result = outcome
            assert result.token.seq == ref.seq

    @precondition(lambda self: self.model.tokens)
    @rule(slot=st.integers(0, 3), data=st.data())
    def reallocate(self, slot, data):
        slot %= len(self.slots)
        ref, token = self.token(data)
        self.expect(
            lambda: token_reallocate(token=token, slot=self.slots[slot], now=self.now),
            lambda: self.model.reallocate(ref, slot, self.now),
        )

    @invariant()
    def the_day_is_sound(self):
        assert check_day(self.day) == []

    @invariant()
    def the_engine_agrees_with_the_model(self):
        index = {slot.pk: i for i, slot in enumerate(self.slots)}
        real = [
            (t.seq, t.status, index.get(t.slot_id), t.overbooked, t.displaced_count)
            for t in Token.objects.filter(day=self.day).order_by("seq")
        ]
        model = [(t.seq, t.status, t.slot, t.overbooked, t.displaced) for t in self.model.tokens]
        assert real == model


@pytest.mark.django_db
def test_the_engine_follows_the_reference_model():
    # pytest-django wraps this whole test, not each hypothesis example, in one
    # transaction: every example builds its own doctor-day (fresh doctor code,
    # fresh patients), so examples never see each other's tokens, and the engine's
    # atomic blocks become savepoints, so a refused operation still undoes only
    # itself. No real concurrency here, so no need for transaction=True's flushes.
    run_state_machine_as_test(
        PolicyMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
