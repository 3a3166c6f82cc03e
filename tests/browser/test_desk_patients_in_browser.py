"""A family on one phone at the desk, in a real browser: the people registered on a
typed phone are offered, and choosing one fills the name (static/js/opd.js)."""

import pytest
from playwright.sync_api import expect

from tests.factories import DAY
from tokens.models import Token
from tokens.patients import patient_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_phone_offers_its_people_and_a_choice_fills_the_name(
    open_page, reception, day, csp_violations
):
    patient_register(name="Asha Rao", phone="+919800000007")
    patient_register(name="Meera Rao", phone="+919800000007")
    page = open_page(f"/desk/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}", user=reception)
    page.locator("input[name=phone]").press_sequentially("098000 00007")
    offered = page.locator("#phone-people button[data-fill-name]")
    expect(offered).to_have_count(2)
    expect(offered.first).to_have_text("Asha Rao")
    page.keyboard.press("Tab")  # from the phone to the first person offered
    expect(offered.first).to_be_focused()
    page.wait_for_timeout(600)  # leaving the field asks nothing again: the focus stays
    expect(offered.first).to_be_focused(timeout=1)
    offered.nth(1).press("Enter")
    name = page.locator("input[name=name]")
    expect(name).to_have_value("Meera Rao")
    expect(name).to_be_focused()
    name.press("Enter")  # issues
    expect(page.locator(".issued-number")).to_have_text(f"{day.doctor.code}-001")
    assert Token.objects.get().patient.name == "Meera Rao"
    assert csp_violations == []


def test_an_unknown_phone_offers_nobody(open_page, reception, day):
    page = open_page(f"/desk/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}", user=reception)
    with page.expect_response(lambda r: "/desk/phone-people/" in r.url) as answer:
        page.locator("input[name=phone]").press_sequentially("98000 00009")
    assert answer.value.status == 200
    expect(page.locator("#phone-people button")).to_have_count(0)
