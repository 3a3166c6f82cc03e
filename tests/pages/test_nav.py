import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_reception_the_desk_but_not_the_doctor_queue(desk):
    html = desk.get("/desk/").content.decode()
    assert 'href="/desk/"' in html
    assert 'href="/doctor/"' not in html
    assert 'href="/analytics/"' in html


def test_it_shows_a_doctor_their_queue_but_not_the_desk(client, doctor_user, today):
    client.force_login(doctor_user)
    html = client.get("/doctor/").content.decode()
    assert 'href="/doctor/"' in html
    assert 'href="/desk/"' not in html


def test_it_shows_an_admin_every_page_and_the_django_admin(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/desk/").content.decode()
    assert 'href="/desk/"' in html
    assert 'href="/doctor/"' in html
    assert 'href="/admin/"' in html
