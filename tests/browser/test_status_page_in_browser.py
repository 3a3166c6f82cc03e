"""The patient's status page in Chromium, on a phone-sized screen, signed in to
nothing: a change the engine makes elsewhere (a cancellation ahead, a closed slot)
appears within one poll without a reload; the patient cancels with the button (and
its confirmation); the English/हिन्दी switch."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import REFRESH_TIMEOUT_MS, mark_page, screenshot, was_not_reloaded
from tests.factories import DoctorFactory, issue, make_day, slots_of
from tokens.models import Status
from tokens.public_codes import status_path
from tokens.services import slot_close, token_cancel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def day():
    """Tomorrow (every slot still ahead whatever the clock says): 09–12, two seats each."""
    doctor = DoctorFactory(name="Dr Asha Sharma", code="SHA", room="101")
    return make_day(2, 2, 2, date=timezone.localdate() + timezone.timedelta(days=1), doctor=doctor)


def test_a_change_made_by_the_engine_appears_within_one_poll(open_page, day, csp_violations):
    first = issue(day, "online")
    token = issue(day, "online")
    page = open_page(status_path(token), viewport=PHONE)
    mark_page(page)
    expect(page.locator("#token-number")).to_have_text(token.number)
    expect(page.locator("[data-role=position]")).to_have_text("2")
    expect(page.locator("[data-role=eta]")).to_have_text("about 09:30")
    token_cancel(token=first, now=timezone.now())  # the patient ahead cancels (elsewhere)
    expect(page.locator("[data-role=position]")).to_have_text("1", timeout=REFRESH_TIMEOUT_MS)
    expect(page.locator("[data-role=eta]")).to_have_text("about 09:00")
    slot_close(slot=slots_of(day)[0], now=timezone.now(), reason="")
    expect(page.locator("[data-role=slot]")).to_have_text("10:00–11:00", timeout=REFRESH_TIMEOUT_MS)
    expect(page.locator(".pstatus-events")).to_contain_text(
        "Moved to 10:00–11:00 because the doctor's 09:00–10:00 slot was closed."
    )
    assert was_not_reloaded(page)
    screenshot(page, "status-page")
    assert csp_violations == []


def test_the_patient_cancels_with_the_button(open_page, day, csp_violations):
    token = issue(day, "online")
    page = open_page(status_path(token), viewport=PHONE)
    mark_page(page)
    page.get_by_role("button", name="Cancel my token").click()  # confirm: accepted
    expect(page.locator(".pstatus-badge")).to_have_text("Cancelled")
    expect(page.get_by_role("status")).to_contain_text("Your token is cancelled.")
    expect(page.get_by_role("button", name="Cancel my token")).to_have_count(0)
    assert was_not_reloaded(page)
    token.refresh_from_db()
    assert token.status == Status.CANCELLED
    assert csp_violations == []


def test_the_language_switch(open_page, day):
    token = issue(day, "online")
    page = open_page(status_path(token), viewport=PHONE)
    page.get_by_role("link", name="हिन्दी").click()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator(".pstatus-label")).to_have_text("आपका टोकन")
    page.goto(page.url.split("?")[0])  # the link again, as in an SMS: Hindi remembered
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.get_by_role("link", name="English").click()
    expect(page.locator(".pstatus-label")).to_have_text("Your token")
