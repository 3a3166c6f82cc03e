"""A small day built by hand with known figures."""

import pytest

from tests.conftest import at
from tests.factories import PatientFactory, make_day, slots_of
from tokens.services import token_call, token_cancel, token_check_in, token_complete, token_issue


def _issue(day, source: str, when):
    return token_issue(day=day, patient=PatientFactory(), source=source, now=when).token


def _see(token, *, called, done):
    token_call(token=token, now=called)
    token_complete(token=token, now=done)


@pytest.fixture
def known_day(db):
    """Two slots of two seats (09–10, 10–11) and six tokens with known outcomes.

    - a, b online, c paid: c displaces b (latest online) from 09:00 to 10:00;
    - d walk-in: 09:00 is full of better tokens, so it gets 10:00's last seat;
    - e follow-up displaces a from 09:00 to the waitlist (10:00 is full); a cancels;
    - f emergency: 09:00 holds only finished consultations, so it overbooks;
    - waits check-in → call: c 10, e 20, d 50, b 30, f 10 minutes;
    - consultations: 10, 10, 10, 15, 10 minutes.
    """
    day = make_day(2, 2)
    a = _issue(day, "online", at(8, 0))
    b = _issue(day, "online", at(8, 1))
    c = _issue(day, "paid", at(8, 2))
    d = _issue(day, "walk_in", at(8, 30))
    e = _issue(day, "follow_up", at(8, 40))
    token_check_in(token=c, now=at(8, 50))
    token_check_in(token=e, now=at(8, 50))
    token_check_in(token=b, now=at(9, 0))
    _see(c, called=at(9, 0), done=at(9, 10))
    _see(e, called=at(9, 10), done=at(9, 20))
    _see(d, called=at(9, 20), done=at(9, 30))
    _see(b, called=at(9, 30), done=at(9, 45))
    f = _issue(day, "emergency", at(9, 35))
    _see(f, called=at(9, 45), done=at(9, 55))
    token_cancel(token=a, now=at(9, 50))
    day.slot_list = slots_of(day)
    return day
