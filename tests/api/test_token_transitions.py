"""POST /tokens/{uuid}/cancel|check-in|call|complete|no-show|reallocate/."""

import uuid

from tests.api.conftest import issue_as
from tokens.models import Token


def _post(client, token, action: str, body: dict | None = None):
    return client.post(f"/api/v1/tokens/{token.id}/{action}/", body or {}, format="json")


def test_it_cancels_and_promotes_the_waitlist_for_staff(reception, day, slot):
    first = issue_as(None, slot)
    issue_as(None, slot)
    for s in day.slots.exclude(pk=slot.pk):
        issue_as(None, s)
        issue_as(None, s)
    waiting = issue_as(None, slot)
    r = _post(reception, first, "cancel", {"reason": "Patient phoned"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["moved"][0]["id"] == str(waiting.id)
    assert r.json()["moved"][0]["to_slot"] == slot.pk


def test_it_lets_the_portal_cancel_its_own_token(portal, portal_client, slot):
    token = issue_as(portal_client, slot)
    r = _post(portal, token, "cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert "moved" not in r.json()


def test_it_hides_other_clients_tokens_when_the_portal_cancels(portal, slot):
    token = issue_as(None, slot)
    r = _post(portal, token, "cancel")
    assert r.status_code == 404
    token.refresh_from_db()
    assert token.status == "allocated"


def test_it_refuses_to_cancel_a_cancelled_token(reception, slot):
    token = issue_as(None, slot)
    _post(reception, token, "cancel")
    r = _post(reception, token, "cancel")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_it_refuses_an_overlong_reason(reception, slot):
    token = issue_as(None, slot)
    r = _post(reception, token, "cancel", {"reason": "x" * 301})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    token.refresh_from_db()
    assert token.status == "allocated"


def test_it_runs_a_visit_check_in_call_complete(on_the_day, doctor, slot):
    token = issue_as(None, slot)
    assert _post(doctor, token, "check-in").json()["status"] == "checked_in"
    called = _post(doctor, token, "call").json()
    assert called["status"] == "in_consultation" and called["position"] == 0
    assert _post(doctor, token, "complete").json()["status"] == "completed"


def test_it_refuses_to_call_while_a_consultation_is_open(on_the_day, doctor, slot):
    first, second = issue_as(None, slot, "walk_in"), issue_as(None, slot, "walk_in")
    _post(doctor, first, "call")
    r = _post(doctor, second, "call")
    assert r.status_code == 409 and r.json()["code"] == "consultation_in_progress"


def test_it_refuses_to_complete_a_token_never_called(doctor, slot):
    r = _post(doctor, issue_as(None, slot), "complete")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_it_marks_a_no_show(reception, slot):
    token = issue_as(None, slot)
    r = _post(reception, token, "no-show", {"reason": "Called twice"})
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    assert r.json()["position"] is None and r.json()["estimated_time"] is None


def test_it_refuses_a_no_show_of_a_waitlisted_token(reception, day, slot):
    for s in day.slots.all():
        issue_as(None, s)
        issue_as(None, s)
    waiting = issue_as(None, slot)
    r = _post(reception, waiting, "no-show")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_it_reallocates_to_another_slot(reception, day, slot):
    token = issue_as(None, slot)
    later = day.slots.order_by("start").last()
    r = _post(reception, token, "reallocate", {"slot": later.pk})
    assert r.status_code == 200 and r.json()["slot"] == later.pk


def test_it_refuses_to_reallocate_into_a_full_slot(reception, day, slot):
    later = day.slots.order_by("start").last()
    issue_as(None, later)
    issue_as(None, later)
    token = issue_as(None, slot)
    r = _post(reception, token, "reallocate", {"slot": later.pk})
    assert r.status_code == 409 and r.json()["code"] == "slot_full"
    assert Token.objects.get(pk=token.pk).slot == slot


def test_it_answers_404_when_reallocating_to_an_unknown_slot(reception, slot):
    r = _post(reception, issue_as(None, slot), "reallocate", {"slot": 999999})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_answers_400_when_reallocating_without_a_slot(reception, slot):
    r = _post(reception, issue_as(None, slot), "reallocate", {})
    assert r.status_code == 400 and "slot" in r.json()["fields"]


def test_it_answers_400_for_a_slot_of_another_day(reception, slot):
    from tests.factories import make_day

    other = make_day(2).slots.get()
    r = _post(reception, issue_as(None, slot), "reallocate", {"slot": other.pk})
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_it_answers_404_for_a_transition_of_an_unknown_token(doctor):
    r = doctor.post(f"/api/v1/tokens/{uuid.uuid4()}/check-in/")
    assert r.status_code == 404


def test_it_answers_405_for_a_get_on_a_transition(doctor, slot):
    r = doctor.get(f"/api/v1/tokens/{issue_as(None, slot).id}/check-in/")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
