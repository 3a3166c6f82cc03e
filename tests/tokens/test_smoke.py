from tests.conftest import at
from tests.factories import PatientFactory
from tokens.invariants import check_day
from tokens.models import Status
from tokens.services import token_cancel, token_issue


def test_it_fills_then_waitlists_then_promotes(day, morning):
    issued = [
        token_issue(day=day, patient=PatientFactory(), source="online", now=morning).token
        for _ in range(7)
    ]
    assert [t.status for t in issued].count(Status.WAITLISTED) == 1
    token_cancel(token=issued[0], now=at(8, 30))
    issued[-1].refresh_from_db()
    assert issued[-1].status == Status.ALLOCATED
    assert check_day(day) == []
