"""Who may do what (docs/api.md): portal, reception, doctor, admin, anonymous."""

import pytest

from tests.api.conftest import booking, client_for, issue_as

READS = ["/api/v1/departments/", "/api/v1/doctors/", "/api/v1/slots/", "/api/v1/tokens/"]


@pytest.mark.parametrize("url", READS)
def test_it_asks_anonymous_callers_to_authenticate(anon, db, url):
    r = anon.get(url)
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated" and r["WWW-Authenticate"] == "Token"


def test_it_refuses_anonymous_bookings(anon, slot):
    r = anon.post("/api/v1/tokens/", booking(slot), format="json")
    assert r.status_code == 401


@pytest.mark.parametrize("url", READS)
def test_it_refuses_a_login_without_a_role(no_role_user, db, url):
    r = client_for(no_role_user).get(url)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["portal", "reception", "doctor", "admin"])
@pytest.mark.parametrize("url", READS)
def test_it_lets_the_portal_and_staff_read(request, day, who, url):
    assert request.getfixturevalue(who).get(url).status_code == 200


@pytest.mark.parametrize("who", ["reception", "doctor", "admin"])
def test_it_lets_every_staff_role_run_the_queue(on_the_day, request, slot, who):
    client = request.getfixturevalue(who)
    token = issue_as(None, slot, "walk_in")
    assert client.post(f"/api/v1/tokens/{token.id}/call/").status_code == 200
    assert client.get(f"/api/v1/slots/{slot.pk}/queue/").status_code == 200
    assert client.get(f"/api/v1/tokens/{token.id}/events/").status_code == 200


@pytest.mark.parametrize(
    "action", ["check-in", "no-show", "call", "complete", "reallocate", "events"]
)
def test_it_keeps_staff_transitions_from_the_portal(portal, portal_client, slot, action):
    token = issue_as(portal_client, slot)
    method = portal.get if action == "events" else portal.post
    r = method(f"/api/v1/tokens/{token.id}/{action}/")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    token.refresh_from_db()
    assert token.status == "allocated"


@pytest.mark.parametrize("who", ["reception", "doctor", "admin"])
def test_it_keeps_setup_from_non_admin_staff_but_not_from_admins(request, db, who):
    r = request.getfixturevalue(who).post("/api/v1/departments/", {"name": "ENT"}, format="json")
    assert r.status_code == (201 if who == "admin" else 403)


def test_it_treats_a_superuser_as_admin_and_staff(superuser, slot):
    client = client_for(superuser)
    assert client.post("/api/v1/departments/", {"name": "ENT"}, format="json").status_code == 201
    r = client.post("/api/v1/tokens/", booking(slot, "emergency"), format="json")
    assert r.status_code == 201 and "patient" in r.json()


def test_it_lets_staff_see_any_token(doctor, portal_client, slot):
    token = issue_as(portal_client, slot)
    assert doctor.get(f"/api/v1/tokens/{token.id}/").status_code == 200
