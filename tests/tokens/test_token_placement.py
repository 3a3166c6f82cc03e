"""Positions and estimated times (rule 9): day_placements and token_placement."""

import datetime as dt

import pytest

from tests.conftest import at
from tests.factories import issue, make_day, slots_of
from tokens.selectors import Placement, day_placements, token_placement
from tokens.services import token_call, token_check_in, token_complete

pytestmark = pytest.mark.django_db


def test_the_first_token_of_a_slot_is_expected_at_its_start(day):
    token = issue(day, "online")
    placement = token_placement(token)
    assert placement.position == 1
    assert placement.estimated_time == at(9, 0)


def test_each_seat_ahead_adds_slot_length_over_capacity():
    day = make_day(3)
    issue(day, "online")
    issue(day, "online")
    third = issue(day, "online")
    # 60 minutes ÷ 3 seats = 20 minutes a patient, two ahead.
    assert token_placement(third).estimated_time == at(9, 40)


def test_the_day_delay_shifts_every_estimate(day):
    first, second = issue(day, "online"), issue(day, "online")
    day.delay_minutes = 25
    day.save()
    placements = day_placements(day)
    assert placements[first.pk].estimated_time == at(9, 25)
    assert placements[second.pk].estimated_time == at(9, 55)


def test_a_later_slot_starts_its_own_count(day):
    issue(day, "online")
    issue(day, "online")
    later = issue(day, "online")
    placement = token_placement(later)
    assert later.slot == slots_of(day)[1]
    assert placement.position == 3
    assert placement.estimated_time == at(10, 0)


def test_finished_and_current_consultations_count_ahead(day):
    done = issue(day, "walk_in")
    token_call(token=done, now=at(9, 0))
    token_complete(token=done, now=at(9, 10))
    token = issue(day, "online")
    placement = token_placement(token)
    assert placement.position == 1
    assert placement.estimated_time == at(9, 30)


def test_the_estimate_is_never_in_the_past(day):
    token = issue(day, "online")
    assert token_placement(token, now=at(9, 45)).estimated_time == at(9, 45)


def test_positions_follow_the_calling_order():
    day = make_day(2, 2)
    s9, s10 = slots_of(day)
    online = issue(day, "online", slot=s9)
    emergency = issue(day, "emergency", slot=s10)
    placements = day_placements(day)
    assert placements[emergency.pk].position == 1
    assert placements[emergency.pk].estimated_time == at(10, 0)
    assert placements[online.pk].position == 2


def test_the_patient_in_consultation_is_at_position_zero(day):
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 3))
    token.refresh_from_db()
    assert token_placement(token) == Placement(position=0, estimated_time=at(9, 3))


def test_a_waitlisted_token_has_its_waitlist_place_and_no_time():
    day = make_day(1)
    issue(day, "paid")
    walk_in = issue(day, "walk_in")
    follow_up = issue(day, "follow_up")
    assert token_placement(follow_up).position == 1
    assert token_placement(walk_in).position == 2
    assert token_placement(walk_in).estimated_time is None


def test_a_finished_token_has_no_placement(day):
    token = issue(day, "walk_in")
    token_call(token=token, now=at(9, 3))
    token_complete(token=token, now=at(9, 13))
    token.refresh_from_db()
    placement = token_placement(token)
    assert (placement.position, placement.estimated_time) == (None, None)


def test_observed_consultations_replace_the_slot_pace():
    day = make_day(6)  # 10 minutes a seat on paper
    start = at(9, 0)
    for i in range(3):  # but each consultation takes 20 minutes
        token = issue(day, "walk_in")
        token_call(token=token, now=start + dt.timedelta(minutes=20 * i))
        token_complete(token=token, now=start + dt.timedelta(minutes=20 * (i + 1)))
    waiting = issue(day, "paid")
    token_check_in(token=waiting, now=at(9, 50))
    assert token_placement(waiting).estimated_time == at(10, 0)


@pytest.mark.parametrize("seed", range(6))
def test_one_tokens_placement_matches_the_whole_days(seed):
    """token_placement counts in SQL what day_placements reads row by row: for any
    mix of sources, statuses, ties of arrival time and delay, both must agree."""
    import random

    from tokens.models import Source, Status, Token
    from tokens.services import token_cancel, token_mark_no_show

    rng = random.Random(seed)
    day = make_day(3, 2, 4, 1)
    arrivals = [at(8, 0), at(8, 0), at(8, 5), at(9, 10)]  # repeated times: seq breaks ties
    for _ in range(rng.randint(8, 16)):
        issue(day, rng.choice(list(Source)), now=rng.choice(arrivals))
    for token in Token.objects.filter(day=day, status=Status.ALLOCATED):
        if rng.random() < 0.6:
            token_check_in(token=token, now=at(8, 30))
    for minute in range(rng.randint(0, 4)):
        waiting = Token.objects.filter(day=day, status=Status.CHECKED_IN).first()
        if waiting is not None:
            token_call(token=waiting, now=at(9, 2 * minute))
            if rng.random() < 0.3:
                break  # the doctor is still with this patient
            token_complete(token=waiting, now=at(9, 2 * minute + 1))
    for token in Token.objects.filter(day=day, status=Status.ALLOCATED)[:1]:
        rng.choice([token_cancel, token_mark_no_show])(token=token, now=at(9, 20))
    day.delay_minutes = rng.choice([0, 15])
    day.save()

    now = at(9, 25)
    whole_day = day_placements(day, now=now)
    tokens = Token.objects.filter(day=day).select_related("slot", "day")
    assert {t.pk for t in tokens if t.is_active} == set(whole_day)
    for token in tokens:
        assert token_placement(token, now=now) == whole_day.get(
            token.pk, Placement(position=None, estimated_time=None)
        ), token.number
