import pytest
from django.utils import timezone

from tests.factories import DoctorFactory, issue, make_day
from tests.pages.conftest import htmx_target
from tokens.pages.boards import display_layout
from tokens.services import token_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(doctor):
    """Today: one patient in consultation, four checked in and waiting."""
    day = make_day(3, 3, date=timezone.localdate(), doctor=doctor)
    tokens = [issue(day, "walk_in") for _ in range(5)]
    token_call(token=tokens[0], now=tokens[0].requested_at)
    return tokens


def test_it_needs_no_login(client, clinic, doctor):
    response = client.get(f"/display/?department={doctor.department.pk}")
    assert response.status_code == 200


def test_it_shows_now_serving_and_the_next_three(client, clinic, doctor):
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert f'data-role="now-serving">{clinic[0].number}<' in html
    for token in clinic[1:4]:
        assert f"<li>{token.number}</li>" in html
    assert clinic[4].number not in html


def test_it_never_shows_a_patients_name_or_phone(client, clinic, doctor):
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    for token in clinic:
        assert token.patient.name not in html
        assert token.patient.phone not in html


def test_it_shows_several_chosen_doctors(client, doctor):
    other = DoctorFactory(name="Dr Priya Iyer")
    html = client.get(f"/display/?doctor={doctor.pk}&doctor={other.pk}").content.decode()
    assert "Dr Asha Sharma" in html
    assert "Dr Priya Iyer" in html


def test_it_shows_the_doctors_delay(client, clinic, doctor):
    day = clinic[0].day
    day.delay_minutes = 25
    day.save()
    assert b"Running about 25 min late" in client.get(f"/display/?doctor={doctor.pk}").content


def test_it_refreshes_only_the_board_for_htmx(client, clinic, doctor):
    html = client.get(f"/display/?doctor={doctor.pk}", **htmx_target("hall-board")).content
    assert b"<html" not in html
    assert b'hx-trigger="every 5s"' in html


def test_it_offers_the_departments_without_a_choice(client, doctor):
    assert doctor.department.name.encode() in client.get("/display/").content


def test_it_answers_an_unknown_department_with_400(client, doctor):
    assert client.get("/display/?department=999999").status_code == 400
    assert client.get("/display/?doctor=abc").status_code == 400


@pytest.mark.parametrize(
    ("count", "columns", "rows"),
    [(1, 1, 1), (2, 2, 1), (3, 3, 1), (4, 2, 2), (5, 3, 2), (8, 4, 2), (9, 3, 3), (12, 4, 3)],
)
def test_the_grid_has_columns_and_rows_for_the_number_of_doctors(client, count, columns, rows):
    department = DoctorFactory().department
    for _ in range(count - 1):
        DoctorFactory(department=department)
    html = client.get(f"/display/?department={department.pk}").content.decode()
    assert f'data-count="{count}" data-cols="{columns}" data-rows="{rows}"' in html


@pytest.mark.parametrize("count", [13, 20, 30])
def test_more_than_twelve_doctors_still_get_a_grid_the_stylesheet_knows(count):
    layout = display_layout(count)
    assert layout.columns * layout.rows >= count
    assert layout.columns <= 6 and layout.rows <= 8


def test_nobody_served_yet_says_please_wait(client, doctor):
    day = make_day(2, date=timezone.localdate(), doctor=doctor)
    issue(day, "walk_in")
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert 'class="hall-now hall-now-idle"' in html
    assert 'data-role="now-serving">—</span>' in html
    assert '<span class="hall-wait">Please wait</span>' in html


def test_each_panel_tells_the_stylesheet_how_long_its_numbers_are(client, clinic, doctor):
    long = DoctorFactory(code="SUBRAM", department=doctor.department)
    html = client.get(f"/display/?department={doctor.department.pk}").content.decode()
    assert f'data-doctor="{doctor.pk}" data-chars="7"' in html  # SHA-001
    assert f'data-doctor="{long.pk}" data-chars="10"' in html  # SUBRAM-001
