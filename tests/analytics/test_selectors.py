import pytest

from analytics.selectors import DurationStats, date_summary, doctor_day_stats, slot_stats
from scheduling.models import Slot
from tests.factories import make_day
from tokens.invariants import check_day


def test_the_hand_built_day_is_sound(known_day):
    assert check_day(known_day) == []


def test_it_counts_tokens_by_source(known_day):
    stats = doctor_day_stats(known_day)
    assert stats.issued == 6
    assert stats.by_source == {
        "emergency": 1, "paid": 1, "follow_up": 1, "online": 2, "walk_in": 1,
    }  # fmt: skip


def test_it_counts_tokens_by_status(known_day):
    stats = doctor_day_stats(known_day)
    assert stats.by_status["completed"] == 5
    assert stats.by_status["cancelled"] == 1
    assert sum(stats.by_status.values()) == 6


def test_it_computes_utilization_per_slot_and_for_the_day(known_day):
    stats = doctor_day_stats(known_day)
    assert [(s.occupied, s.capacity, s.utilization) for s in stats.slots] == [
        (3, 2, 1.5),
        (2, 2, 1.0),
    ]
    assert stats.utilization == 1.25


def test_it_counts_overbooks(known_day):
    stats = doctor_day_stats(known_day)
    assert stats.overbooked == 1
    assert [s.overbooked for s in stats.slots] == [1, 0]


def test_it_counts_displacements_in_and_out_of_each_slot(known_day):
    stats = doctor_day_stats(known_day)
    assert [(s.displaced_in, s.displaced_out) for s in stats.slots] == [(0, 2), (1, 0)]
    assert stats.displaced == 2


def test_it_computes_mean_median_and_90th_percentile_wait(known_day):
    wait = doctor_day_stats(known_day).wait
    assert (wait.count, wait.mean, wait.median, wait.p90) == (5, 24.0, 20.0, 42.0)


def test_it_computes_the_consultation_length(known_day):
    consultation = doctor_day_stats(known_day).consultation
    assert (consultation.count, consultation.mean, consultation.median) == (5, 11.0, 10.0)


def test_a_closed_slot_offers_no_capacity(known_day):
    Slot.objects.filter(pk=known_day.slot_list[1].pk).update(closed=True)
    assert doctor_day_stats(known_day).capacity == 2


def test_the_date_summary_adds_up_every_doctor(known_day):
    other = make_day(3)
    summary = date_summary(known_day.date)
    assert {d.id for d in summary.days} == {known_day.pk, other.pk}
    assert (summary.issued, summary.capacity, summary.occupied) == (6, 7, 5)
    assert summary.by_source["online"] == 2
    assert summary.wait.p90 == 42.0


def test_the_date_summary_of_an_empty_date_is_empty(db):
    summary = date_summary(make_day(1).date.replace(year=2031))
    assert (summary.doctors, summary.issued, summary.utilization) == (0, 0, None)


def test_slot_stats_counts_its_tokens_by_status(known_day):
    stats = slot_stats(known_day.slot_list[0])
    assert (stats.capacity, stats.occupied, stats.available, stats.overbooked) == (2, 3, 0, 1)
    assert stats.by_status["completed"] == 3


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [([], (0, None, None, None)), ([7], (1, 7, 7, 7)), ([1, 2, 3, 4], (4, 2.5, 2.5, 3.7))],
)
def test_duration_stats_of_few_values(minutes, expected):
    stats = DurationStats.of(minutes)
    assert (stats.count, stats.mean, stats.median, stats.p90) == expected
