"""One rule of a bookable slot (docs/allocation.md, "Bookable slot"): ``slot_status`` in
Python and ``bookable_q`` in SQL agree on every kind of slot."""

import pytest

from scheduling.models import Slot
from tests.conftest import at
from tests.factories import issue, make_day, slots_of
from tokens.selectors import OPEN, bookable_q, slot_status, with_occupancy
from tokens.services import day_cancel, day_close, slot_close

pytestmark = pytest.mark.django_db


def statuses(now) -> dict[int, tuple[str, bool]]:
    slots = with_occupancy(Slot.objects.select_related("day"))
    bookable = set(slots.filter(bookable_q(now)).values_list("pk", flat=True))
    return {s.pk: (slot_status(s, now), s.pk in bookable) for s in slots}


def test_it_calls_a_slot_bookable_exactly_when_it_is_open_with_a_free_seat():
    now = at(10, 30)
    ended, full, free = slots_of(make_day(1, 1, 1))  # 09:00, 10:00, 11:00
    issue(full.day, slot=full, now=at(8))
    closed, _ = slots_of(make_day(1, 1))
    slot_close(slot=closed, now=at(8))
    cancelled = slots_of(make_day(1))[0]
    day_cancel(day=cancelled.day, reason="Away", now=at(8))
    shut = slots_of(make_day(1))[0]
    day_close(day=shut.day, now=at(8))

    seen = statuses(now)

    assert seen[ended.pk] == ("ended", False)
    assert seen[full.pk] == (OPEN, False)
    assert seen[free.pk] == (OPEN, True)
    assert seen[closed.pk] == ("closed", False)
    assert seen[cancelled.pk] == ("closed", False)
    assert seen[shut.pk] == ("closed", False)
