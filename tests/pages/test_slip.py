import pytest

from tests.factories import issue

pytestmark = pytest.mark.django_db


def test_it_prints_number_doctor_room_date_slot_and_time(desk, day):
    token = issue(day, "online")
    html = desk.get(f"/tokens/{token.pk}/slip/").content.decode()
    assert token.number in html
    assert day.doctor.name in html
    assert day.doctor.room in html
    assert "Mon 7 Jan 2030" in html
    assert "09:00–10:00" in html
    assert "about 09:00" in html


def test_it_says_when_the_patient_is_waitlisted(desk, day):
    for _ in range(6):
        issue(day, "online")
    token = issue(day, "online")
    assert b"Waitlist (#1)" in desk.get(f"/tokens/{token.pk}/slip/").content


def test_it_needs_a_login(client, day):
    token = issue(day, "online")
    assert client.get(f"/tokens/{token.pk}/slip/").status_code == 302


def test_it_refuses_portal_clients(client, portal_user, day):
    token = issue(day, "online")
    client.force_login(portal_user)
    assert client.get(f"/tokens/{token.pk}/slip/").status_code == 403


def test_it_answers_404_for_an_unknown_token(desk):
    assert desk.get("/tokens/6f1c2a36-0000-4000-8000-000000000000/slip/").status_code == 404
