import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_users_to_the_login_page(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/desk/"


def test_it_shows_a_styled_login_form(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"opd.css" in response.content


def test_it_signs_in_reception_to_the_desk(client, reception_user):
    response = client.post("/login/", {"username": "reena", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/desk/"


def test_it_sends_a_doctor_home_to_their_queue(client, doctor_user):
    client.force_login(doctor_user)
    assert client.get("/")["Location"] == "/doctor/"


def test_it_sends_an_admin_home_to_the_desk(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/")["Location"] == "/desk/"


def test_it_sends_a_superuser_home_to_the_desk(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    assert client.get("/")["Location"] == "/desk/"


def test_it_refuses_pages_to_portal_clients(client, portal_user):
    client.force_login(portal_user)
    assert client.get("/").status_code == 403
    assert client.get("/desk/").status_code == 403
    assert client.get("/doctor/").status_code == 403


def test_it_signs_out_with_a_post(desk):
    response = desk.post("/logout/")
    assert response["Location"] == "/login/"
    assert desk.get("/desk/").status_code == 302
