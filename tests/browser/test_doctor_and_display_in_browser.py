"""The doctor calls the next patient; the waiting-hall board follows."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import REFRESH_TIMEOUT_MS
from tests.factories import DoctorFactory, issue, make_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic(doctor_login):
    doctor = DoctorFactory(name="Dr Asha Sharma", room="101", user=doctor_login)
    return make_day(2, 2, date=timezone.localdate(), doctor=doctor)


def test_the_doctor_calls_next_and_the_display_shows_that_number(
    open_page, doctor_login, clinic, csp_violations
):
    first = issue(clinic, "walk_in")
    second = issue(clinic, "walk_in")
    board = open_page(f"/display/?doctor={clinic.doctor.pk}")
    now_serving = board.locator('[data-role="now-serving"]')
    expect(now_serving).to_have_text("—")
    queue = open_page("/doctor/", user=doctor_login)
    queue.get_by_role("button", name=f"Call next · {first.number}").click()
    expect(queue.locator(".big-number")).to_have_text(first.number)
    expect(now_serving).to_have_text(first.number, timeout=REFRESH_TIMEOUT_MS)
    expect(board.locator(".hall-next li").first).to_have_text(second.number)
    assert clinic.doctor.name in board.content()
    assert first.patient.name not in board.content()
    assert csp_violations == []  # both pages, polls included, under the policy


def test_the_doctor_completes_and_calls_the_next_one(open_page, doctor_login, clinic):
    first = issue(clinic, "walk_in")
    second = issue(clinic, "walk_in")
    queue = open_page("/doctor/", user=doctor_login)
    queue.get_by_role("button", name=f"Call next · {first.number}").click()
    queue.get_by_role("button", name="Complete").click()
    queue.get_by_role("button", name=f"Call next · {second.number}").click()
    expect(queue.locator(".big-number")).to_have_text(second.number)
    first.refresh_from_db()
    assert first.status == "completed"
