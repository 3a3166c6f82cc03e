"""The engine under real concurrency (docs/allocation.md, "Concurrency"): threads on
their own PostgreSQL connections race for seats, churn one doctor-day, and hold one day's lock while
another doctor's desk keeps issuing.

Every test here uses ``django_db(transaction=True)``: a plain test transaction
hides its rows from other threads' connections (and would make every thread's
lock a no-op savepoint of one shared transaction).
"""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from scheduling.models import DoctorDay
from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tests.threads import JOIN_TIMEOUT, finish, require_postgresql, start
from tokens import errors
from tokens.invariants import check_day
from tokens.models import SEAT_HOLDING, Source, Status, Token
from tokens.services import (
    token_cancel,
    token_check_in,
    token_issue,
    token_mark_no_show,
)

RACERS = 50


@pytest.fixture(autouse=True)
def _postgresql_only():
    # SQLite serializes whole transactions, so these tests would prove nothing there.
    require_postgresql()


def race(day, slot, *, strict: bool) -> list:
    """RACERS threads, each with its own patient and connection, ask for ``slot``
    at the same instant."""
    patients = [PatientFactory() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS, timeout=JOIN_TIMEOUT)

    def ask(patient):
        connection.ensure_connection()  # connect before the barrier: race only the issue
        barrier.wait()
        try:
            result = token_issue(
                day=day,
                patient=patient,
                source=Source.ONLINE,
                slot=slot,
                strict=strict,
                now=at(8, 0),
            )
        except errors.SlotFull as exc:
            return exc
        return result.token

    return finish(*[start(ask, patient) for patient in patients])


def prefill(day, slot, n: int) -> None:
    for _ in range(n):
        token_issue(day=day, patient=PatientFactory(), source=Source.ONLINE, slot=slot, now=at(7))


def seat_holders(slot) -> int:
    return Token.objects.filter(slot=slot, status__in=SEAT_HOLDING).count()


@pytest.mark.django_db(transaction=True)
def test_racers_for_the_last_seats_never_overfill_the_slot_and_the_rest_wait():
    day = make_day(8)
    slot = day.slots.get()
    prefill(day, slot, 3)  # five seats left

    outcomes = race(day, slot, strict=False)

    statuses = Counter(token.status for token in outcomes)
    assert statuses == {Status.ALLOCATED: 5, Status.WAITLISTED: RACERS - 5}
    assert seat_holders(slot) == 8
    assert check_day(day) == []


@pytest.mark.django_db(transaction=True)
def test_strict_racers_for_the_last_seats_are_refused_once_the_slot_is_full():
    day = make_day(8, 8)
    slot, later = day.slots.order_by("start")
    prefill(day, slot, 3)

    outcomes = race(day, slot, strict=True)

    refusals = [o for o in outcomes if isinstance(o, errors.SlotFull)]
    assert len(refusals) == RACERS - 5
    assert all(r.extra["alternatives"] == [later.pk] for r in refusals)
    assert seat_holders(slot) == 8
    assert seat_holders(later) == 0
    assert check_day(day) == []


@pytest.mark.django_db(transaction=True)
def test_random_churn_from_many_desks_keeps_every_invariant():
    day = make_day(2, 3, 2)
    patients = [PatientFactory() for _ in range(60)]
    threads, ops = 8, 25
    barrier = threading.Barrier(threads, timeout=JOIN_TIMEOUT)

    def desk(seed: int) -> Counter:
        rnd = random.Random(seed)
        done: Counter = Counter()
        connection.ensure_connection()
        barrier.wait()
        for _ in range(ops):
            op = rnd.choice(["issue", "issue", "cancel", "no_show", "check_in"])
            try:
                if op == "issue":
                    slot = rnd.choice([None, *day.slots.all()])
                    token_issue(
                        day=day,
                        patient=rnd.choice(patients),
                        source=rnd.choice(Source.values),
                        slot=slot,
                        strict=rnd.random() < 0.2,
                        now=at(8, 0),
                    )
                else:
                    # A stale pick, as from a page rendered a moment ago: the service
                    # re-reads the token under the lock and refuses what no longer fits.
                    pks = list(Token.objects.filter(day=day).values_list("pk", flat=True))
                    if not pks:
                        continue
                    token = Token.objects.get(pk=rnd.choice(pks))
                    change = {
                        "cancel": token_cancel,
                        "no_show": token_mark_no_show,
                        "check_in": token_check_in,
                    }[op]
                    change(token=token, now=at(8, 0))
            except errors.TokenError as exc:
                done[f"{op}:{exc.code}"] += 1
            else:
                done[op] += 1
        return done

    totals = sum(finish(*[start(desk, seed) for seed in range(threads)]), Counter())

    day.refresh_from_db()
    numbers = list(Token.objects.filter(day=day).values_list("number", flat=True))
    seqs = sorted(Token.objects.filter(day=day).values_list("seq", flat=True))
    assert totals["issue"] > 0 and totals["cancel"] + totals["no_show"] > 0
    assert len(set(numbers)) == len(numbers) == totals["issue"]
    assert seqs == list(range(1, day.token_counter + 1))
    assert check_day(day) == []


def _backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


class DayLockHolder:
    """A transaction that holds one doctor-day's row lock until told to let go."""

    def __init__(self, day: DoctorDay, log: list) -> None:
        self.day, self.log = day, log
        self.locked, self.release = threading.Event(), threading.Event()
        self.pid: int | None = None
        self.worker = start(self._hold)
        assert self.locked.wait(JOIN_TIMEOUT), "the holder never got the lock"

    def _hold(self) -> None:
        self.pid = _backend_pid()
        with transaction.atomic():
            DoctorDay.objects.select_for_update().get(pk=self.day.pk)
            self.locked.set()
            if not self.release.wait(JOIN_TIMEOUT):
                raise TimeoutError("never released")
            # Logged before the commit, so anything it blocked must log after it.
            self.log.append("lock released")

    def let_go(self) -> None:
        self.release.set()
        finish(self.worker)


def issuer(day, log: list, pids: list | None = None) -> Callable:
    patient = PatientFactory()

    def issue() -> None:
        if pids is not None:
            pids.append(_backend_pid())
        token_issue(day=day, patient=patient, source=Source.WALK_IN, now=at(8, 0))
        log.append(f"issued {day.doctor.code}")

    return issue


def blockers_of(pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_blocking_pids(%s)", [pid])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_held_day_lock_does_not_delay_another_doctors_desk():
    day_a, day_b = make_day(3), make_day(3)
    log: list = []
    holder = DayLockHolder(day_a, log)

    finish(start(issuer(day_b, log)))  # returns while A's lock is still held
    holder.let_go()

    assert log == [f"issued {day_b.doctor.code}", "lock released"]
    assert Token.objects.filter(day=day_b).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_issue_on_a_locked_day_waits_for_the_lock():
    day_a = make_day(3)
    log: list = []
    pids: list = []
    holder = DayLockHolder(day_a, log)

    waiting = start(issuer(day_a, log, pids))
    deadline = time.monotonic() + JOIN_TIMEOUT
    while not (pids and holder.pid in blockers_of(pids[0])):
        assert time.monotonic() < deadline, "the second issue never queued behind the lock"
        time.sleep(0.01)
    assert log == []  # PostgreSQL itself reports it blocked by the holder
    holder.let_go()
    finish(waiting)

    assert log == ["lock released", f"issued {day_a.doctor.code}"]
    assert check_day(day_a) == []
