"""GET /tokens/, /tokens/{uuid}/ and /tokens/{uuid}/events/."""

import uuid

from tests.api.conftest import issue_as


def test_it_lists_tokens_paginated_for_staff(reception, slot):
    issue_as(None, slot)
    body = reception.get("/api/v1/tokens/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1 and body["results"][0]["patient"]["phone"].startswith("+91")


def test_it_lists_only_the_portals_own_tokens(portal, portal_client, slot):
    mine = issue_as(portal_client, slot)
    issue_as(None, slot)
    body = portal.get("/api/v1/tokens/").json()
    assert [t["id"] for t in body["results"]] == [str(mine.id)]
    assert "patient" not in body["results"][0]


def test_it_filters_tokens_by_status_and_source(on_the_day, reception, slot):
    issue_as(None, slot, "walk_in")
    issue_as(None, slot, "online")
    body = reception.get("/api/v1/tokens/?status=checked_in&source=walk_in").json()
    assert body["count"] == 1 and body["results"][0]["source"] == "walk_in"


def test_it_filters_tokens_by_doctor_date_and_slot(reception, day, slot):
    issue_as(None, slot)
    query = f"doctor={day.doctor_id}&date=2030-01-07&slot={slot.pk}"
    assert reception.get(f"/api/v1/tokens/?{query}").json()["count"] == 1
    assert reception.get("/api/v1/tokens/?date=2030-01-08").json()["count"] == 0


def test_it_rejects_a_bad_filter_value(reception):
    r = reception.get("/api/v1/tokens/?status=lost")
    assert r.status_code == 400 and "status" in r.json()["fields"]


def test_it_shows_one_token_with_position_and_estimate(portal, portal_client, slot):
    issue_as(None, slot)
    token = issue_as(portal_client, slot)
    body = portal.get(f"/api/v1/tokens/{token.id}/").json()
    assert body["position"] == 2
    assert body["estimated_time"] == "2030-01-07T09:30:00+05:30"


def test_it_hides_other_clients_tokens_from_the_portal(portal, other_portal_client, slot):
    token = issue_as(other_portal_client, slot)
    r = portal.get(f"/api/v1/tokens/{token.id}/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_answers_404_for_an_unknown_token(reception):
    r = reception.get(f"/api/v1/tokens/{uuid.uuid4()}/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_answers_json_404_for_a_malformed_token_id(reception):
    r = reception.get("/api/v1/tokens/not-a-uuid/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_lists_a_tokens_events_for_staff(on_the_day, reception, reception_user, slot):
    token = issue_as(reception_user, slot)
    reception.post(f"/api/v1/tokens/{token.id}/check-in/")
    events = reception.get(f"/api/v1/tokens/{token.id}/events/").json()
    assert [e["kind"] for e in events] == ["issued", "checked_in"]
    assert events[1]["actor"] == "rita" and events[1]["to_slot"] == slot.pk


def test_it_keeps_events_from_the_portal(portal, portal_client, slot):
    token = issue_as(portal_client, slot)
    r = portal.get(f"/api/v1/tokens/{token.id}/events/")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
