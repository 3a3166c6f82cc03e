import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import at
from tests.factories import PatientFactory, make_day
from tokens.services import token_issue

URL = "/analytics/?date=2030-01-07"


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/analytics/" in response["Location"]


def test_portal_clients_are_refused(client, portal_user):
    client.force_login(portal_user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", ["reception_user", "doctor_user", "admin_user"])
def test_staff_see_the_charts(role, request, client, known_day):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 4
    assert "Utilization per doctor" in page and "Tokens by source" in page


def test_a_superuser_sees_the_page(client, django_user_model, db):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-pass-1"))
    assert client.get(URL).status_code == 200


def test_picking_a_doctor_shows_its_slots(client, reception_user, known_day):
    client.force_login(reception_user)
    page = client.get(f"{URL}&doctor={known_day.doctor_id}").content.decode()
    assert "Utilization per slot" in page
    assert "09:00–10:00" in page and "150%" in page


def test_htmx_gets_only_the_body(client, reception_user, known_day):
    client.force_login(reception_user)
    response = client.get(URL, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="analytics-body">')
    assert "<html" not in page


def test_a_bad_date_says_so_and_shows_today(client, reception_user):
    client.force_login(reception_user)
    response = client.get("/analytics/?date=yesterday")
    assert response.status_code == 400
    assert "is not a date" in response.content.decode()


def test_an_empty_date_says_there_is_nothing(client, reception_user):
    client.force_login(reception_user)
    response = client.get("/analytics/?date=2031-02-03")
    assert "No doctor has slots" in response.content.decode()


def test_doctor_names_are_escaped_in_the_charts(client, reception_user):
    day = make_day(1)
    day.doctor.name = "<script>alert(1)</script>"
    day.doctor.save()
    client.force_login(reception_user)
    page = client.get(URL).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def _fill(day, n: int) -> None:
    for i in range(n):
        token_issue(day=day, patient=PatientFactory(), source="walk_in", now=at(8, i % 60))


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_query_count_does_not_grow_with_tokens(client, reception_user):
    client.force_login(reception_user)
    small = make_day(2, 2)
    _fill(small, 2)
    url = f"{URL}&doctor={small.doctor_id}"
    before = _queries(client, url)
    _fill(small, 40)
    _fill(make_day(30, date=small.date), 30)
    assert _queries(client, url) == before
