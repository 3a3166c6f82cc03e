"""The admin's capacity cut and slot closure race the desks' bookings and keep
every invariant: through the engine they take the doctor-day lock like a booking.

``django_db(transaction=True)``: the threads book and the admin posts on their own
PostgreSQL connections, which see only committed rows, and each engine call must
really lock (in a plain test transaction every lock would be a savepoint of one
shared transaction).

Against the old admin, which saved a plain capacity edit after counting the seats
without the lock, a booking committed between that count and the save leaves the
slot over capacity; and ticking "closed" left the slot's tokens in it.
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client

from scheduling.models import Slot
from tests.conftest import at
from tests.factories import PatientFactory, make_day, slots_of
from tests.threads import JOIN_TIMEOUT, finish, require_postgresql, start
from tokens import errors
from tokens.invariants import check_day
from tokens.models import DISPLACEABLE, Source, Token
from tokens.selectors import with_occupancy
from tokens.services import token_issue

BOOKERS = 8
BOOKINGS_EACH = 12
SOURCES = (Source.PAID, Source.FOLLOW_UP, Source.ONLINE, Source.WALK_IN)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql()


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def slot_action(client: Client, action: str, slot: Slot, **data) -> tuple[str, str]:
    """Post an action of the slot changelist; its one message (level, text)."""
    client.cookies.pop("messages", None)  # only this request's message
    response = client.post(
        "/admin/scheduling/slot/",
        {"action": action, "_selected_action": [slot.pk], "apply": "1", **data},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [message] = get_messages(response.wsgi_request)
    return message.level_tag, str(message)


def seats(day) -> dict[int, tuple[int, int]]:
    """Per slot: (non-overbooked seat holders, capacity), read in one statement,
    so always one committed state of the day."""
    rows = with_occupancy(Slot.objects.filter(day=day)).values_list(
        "pk", "occupied", "overbooked_count", "capacity"
    )
    return {pk: (occupied - overbooked, capacity) for pk, occupied, overbooked, capacity in rows}


def overfull(day) -> dict[int, tuple[int, int]]:
    return {pk: s for pk, s in seats(day).items() if s[0] > s[1]}


@pytest.mark.django_db(transaction=True)
def test_it_keeps_capacity_while_desks_book_and_the_admin_cuts_and_closes():
    day = make_day(6, 10, 30, 60)
    cut, closing, _, _ = slots_of(day)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123456")
    cutter, closer = admin_client(boss), admin_client(boss)
    patients = [PatientFactory() for _ in range(BOOKERS * BOOKINGS_EACH)]
    barrier = threading.Barrier(BOOKERS + 3, timeout=JOIN_TIMEOUT)
    booked, stop = threading.Semaphore(0), threading.Event()
    seen_overfull: list = []

    def book(seed: int) -> Counter:
        rnd = random.Random(seed)
        outcomes: Counter = Counter()
        connection.ensure_connection()
        barrier.wait()
        for patient in patients[seed::BOOKERS]:
            try:
                token_issue(
                    day=day,
                    patient=patient,
                    source=rnd.choice(SOURCES),
                    slot=rnd.choice([cut, closing]),
                    now=at(8),
                )
            except errors.TokenError as exc:
                outcomes[exc.code] += 1
            else:
                outcomes["issued"] += 1
            booked.release()
        return outcomes

    def cut_capacity(bookers: list) -> Counter:
        """Cut the slot to exactly its seats taken, then give the desks three more
        seats, until the desks are done; the last change is a cut."""
        outcomes: Counter = Counter()
        barrier.wait()
        while any(b.is_alive() for b in bookers):
            taken = seats(day)[cut.pk][0]
            outcomes[slot_action(cutter, "change_capacity", cut, capacity=max(taken, 1))[0]] += 1
            taken = seats(day)[cut.pk][0]
            slot_action(cutter, "change_capacity", cut, capacity=taken + 3)
        taken = seats(day)[cut.pk][0]
        outcomes[slot_action(cutter, "change_capacity", cut, capacity=max(taken, 1))[0]] += 1
        return outcomes

    def close_midway() -> tuple[str, str]:
        barrier.wait()
        for _ in range(BOOKERS * BOOKINGS_EACH // 3):  # a third of the bookings first
            assert booked.acquire(timeout=JOIN_TIMEOUT)
        return slot_action(closer, "close_slots", closing, reason="Called to theatre")

    def watch() -> None:
        """Any committed state of the day, read while the others work."""
        barrier.wait()
        while not stop.is_set():
            if found := overfull(day):
                seen_overfull.append(found)
            time.sleep(0.001)

    bookers = [start(book, seed) for seed in range(BOOKERS)]
    watcher = start(watch)
    admins = [start(cut_capacity, bookers), start(close_midway)]
    booking_outcomes = sum(finish(*bookers), Counter())
    cuts, (close_level, close_text) = finish(*admins)
    stop.set()
    finish(watcher)

    assert booking_outcomes["issued"] > 0 and booking_outcomes["slot_closed"] > 0
    assert cuts["success"] > 0
    assert close_level == "success", close_text
    assert seen_overfull == []
    assert overfull(day) == {}
    assert not Token.objects.filter(slot=closing, status__in=DISPLACEABLE).exists()
    assert check_day(day) == []
