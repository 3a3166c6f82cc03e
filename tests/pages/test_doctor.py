import pytest

from tests.factories import DoctorFactory, issue, make_day, make_user
from tests.pages.conftest import HTMX, htmx_target
from tokens.models import Status
from tokens.roles import DOCTOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client, doctor_user):
    client.force_login(doctor_user)
    return client


def test_it_shows_the_doctor_their_queue_in_calling_order(me, today):
    walk_in = issue(today, "walk_in")
    emergency = issue(today, "emergency")
    html = me.get("/doctor/").content.decode()
    assert html.index(emergency.number) < html.index(walk_in.number)
    assert f"Call next · {emergency.number}" in html


def test_it_calls_the_next_patient(me, today):
    token = issue(today, "walk_in")
    response = me.post("/doctor/call-next/")
    token.refresh_from_db()
    assert response.status_code == 302
    assert token.status == Status.IN_CONSULTATION


def test_it_returns_the_queue_fragment_to_htmx(me, today):
    issue(today, "walk_in")
    response = me.post("/doctor/call-next/", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="doctor-queue"')
    assert "tokenChanged" in response["HX-Trigger"]


def test_it_completes_the_consultation(me, today):
    token = issue(today, "walk_in")
    me.post("/doctor/call-next/")
    me.post(f"/doctor/tokens/{token.pk}/complete/", **HTMX)
    token.refresh_from_db()
    assert token.status == Status.COMPLETED


def test_it_marks_a_called_patient_as_a_no_show(me, today):
    token = issue(today, "walk_in")
    me.post("/doctor/call-next/")
    me.post(f"/doctor/tokens/{token.pk}/no-show/", **HTMX)
    token.refresh_from_db()
    assert token.status == Status.NO_SHOW


def test_it_refuses_to_call_while_a_consultation_is_open(me, today):
    first = issue(today, "walk_in")
    issue(today, "walk_in")
    me.post("/doctor/call-next/")
    response = me.post("/doctor/call-next/", **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#doctor-alert"
    assert (
        f"{first.number} is still in consultation: complete it first." in response.content.decode()
    )


def test_it_says_when_nobody_is_waiting(me, today):
    response = me.post("/doctor/call-next/", **HTMX)
    assert response.status_code == 409
    assert b"Nobody is checked in and waiting." in response.content


def test_it_refuses_to_complete_a_token_not_in_consultation(me, today):
    token = issue(today, "walk_in")
    response = me.post(f"/doctor/tokens/{token.pk}/complete/", **HTMX)
    assert response.status_code == 409
    assert f"Cannot complete token {token.number}: it is checked in." in response.content.decode()


def test_it_hides_another_doctors_tokens(me):
    other = issue(make_day(2), "walk_in")
    assert me.post(f"/doctor/tokens/{other.pk}/no-show/").status_code == 404
    other.refresh_from_db()
    assert other.status == Status.CHECKED_IN


def test_it_sets_the_doctors_delay(me, today):
    me.post("/doctor/delay/", {"minutes": "20"}, **HTMX)
    today.refresh_from_db()
    assert today.delay_minutes == 20


def test_it_refuses_a_delay_that_is_not_a_number(me, today):
    response = me.post("/doctor/delay/", {"minutes": "-5"}, **HTMX)
    today.refresh_from_db()
    assert response.status_code == 400
    assert today.delay_minutes == 0


def test_it_returns_only_the_queue_region_on_refresh(me, today):
    html = me.get("/doctor/", **htmx_target("doctor-queue")).content.decode()
    assert "<html" not in html


def test_it_says_when_there_is_no_clinic_today(me):
    assert b"No clinic today" in me.get("/doctor/").content


def test_it_refuses_a_doctor_login_not_linked_to_a_doctor(client):
    client.force_login(make_user("locum", DOCTOR))
    response = client.get("/doctor/")
    assert response.status_code == 403
    assert b"not linked to a doctor" in response.content


def test_it_lets_an_admin_pick_a_doctor(client, admin_user):
    other = DoctorFactory(name="Dr Vikram Menon")
    client.force_login(admin_user)
    assert b"Dr Vikram Menon" in client.get(f"/doctor/?doctor={other.pk}").content


def test_it_lets_an_admin_complete_any_doctors_patient(client, admin_user, today):
    token = issue(today, "walk_in")
    client.force_login(admin_user)
    client.post("/doctor/call-next/", {"doctor": today.doctor.pk})
    client.post(f"/doctor/tokens/{token.pk}/complete/")
    token.refresh_from_db()
    assert token.status == Status.COMPLETED


def test_it_refuses_the_queue_to_reception(desk):
    assert desk.get("/doctor/").status_code == 403


def test_the_delay_takes_any_whole_number_of_minutes(me, today):
    assert b'step="1"' in me.get("/doctor/").content
    response = me.post("/doctor/delay/", {"minutes": "7"}, **HTMX)
    today.refresh_from_db()
    assert today.delay_minutes == 7
    assert b"Running 7 min late: estimates moved.</p>" in response.content


def test_clearing_the_delay_says_so(me, today):
    me.post("/doctor/delay/", {"minutes": "7"}, **HTMX)
    response = me.post("/doctor/delay/", {"minutes": "0"}, **HTMX)
    assert b"Delay cleared: back on time.</p>" in response.content


def test_calling_says_who_in_the_status_region(me, today):
    token = issue(today, "walk_in")
    html = me.post("/doctor/call-next/", **HTMX).content.decode()
    assert f'<p id="doctor-status" hx-swap-oob="innerHTML">Calling {token.number}.</p>' in html
    assert '<div id="doctor-alert" hx-swap-oob="innerHTML"></div>' in html


def test_a_refused_action_empties_the_status_region(me, today):
    html = me.post("/doctor/call-next/", **HTMX).content.decode()  # nobody checked in
    assert '<p id="doctor-status" hx-swap-oob="innerHTML"></p>' in html


def test_the_page_holds_a_status_region_and_single_key_shortcuts(me, today):
    issue(today, "walk_in")
    html = me.get("/doctor/").content.decode()
    assert '<p id="doctor-status" class="action-status" role="status" aria-live="polite">' in html
    assert 'data-shortcut="n" aria-keyshortcuts="N"' in html  # call next
    assert "<kbd>N</kbd> calls next" in html
    assert "accesskey" not in html and "Alt+Shift" not in html
