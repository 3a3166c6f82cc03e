"""An error keeps the page: under ``make run`` (DEBUG on) as in production, a
refused form shows its error in place, with the page's styles, htmx and script
intact, and the next submit is htmx again, not a full-page POST. Django's own
error pages never replace the page, and nothing the policy forbids is tried."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import mark_page, page_is_intact, was_not_reloaded
from tests.factories import DAY, DoctorFactory, issue, make_day
from tokens.roles import RECEPTION

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def desk_path(day) -> str:
    return f"/desk/?doctor={day.doctor.pk}&date={day.date:%Y-%m-%d}"


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_bad_phone_is_refused_in_place_and_the_next_issue_is_htmx(
    open_page, reception, day, csp_violations, settings, debug
):
    settings.DEBUG = debug
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    page.fill("input[name=name]", "Asha Rao")
    page.fill("input[name=phone]", "abc")
    with page.expect_response(lambda r: "/issue/" in r.url) as answer:
        page.click("#issue-panel button[type=submit]")
    assert answer.value.status == 400
    phone = page.locator("input[name=phone]")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()  # the field to correct, not the name
    expect(page.locator("#issue-panel .field-error")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("Asha Rao")
    assert page_is_intact(page)
    phone.fill("98123 45678")
    with page.expect_request(lambda r: "/issue/" in r.url) as sent:
        page.click("#issue-panel button[type=submit]")
    assert sent.value.headers.get("hx-request") == "true"
    number = f"{day.doctor.code}-001"
    expect(page.locator(".issued-number")).to_have_text(number)
    expect(page.locator("#desk-status")).to_have_text(f"{number} issued (09:00–10:00).")
    assert was_not_reloaded(page)
    assert csp_violations == []


def test_a_name_of_only_spaces_asks_for_the_name(open_page, reception, day, debug_on):
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    page.fill("input[name=name]", "   ")
    page.fill("input[name=phone]", "98123 45678")
    page.click("#issue-panel button[type=submit]")
    expect(page.locator("#issue-panel .field-error")).to_have_text("Enter the patient's name.")
    assert page_is_intact(page)


def test_a_refused_delay_shows_the_engines_message_in_place(
    open_page, doctor_login, csp_violations, debug_on
):
    doctor = DoctorFactory(name="Dr Asha Sharma", user=doctor_login)
    make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    page = open_page("/doctor/", user=doctor_login)
    mark_page(page)
    minutes = page.locator("input[name=minutes]")
    # The field's own min="0" stops -5 in this browser; an older one sends it.
    minutes.evaluate("(input) => input.removeAttribute('min')")
    minutes.fill("-5")
    page.get_by_role("button", name="Set").click()
    expect(page.locator("#doctor-alert .alert-error")).to_be_visible()
    assert page_is_intact(page)
    minutes.fill("7")  # step="1": any whole number of minutes
    page.get_by_role("button", name="Set").click()
    expect(page.locator("#doctor-status")).to_have_text("Running 7 min late: estimates moved.")
    expect(page.locator("#doctor-alert")).to_be_empty()
    assert was_not_reloaded(page)
    assert csp_violations == []


def test_analytics_for_a_doctor_without_slots_that_day_answers_in_place(
    open_page, reception, day, csp_violations, debug_on
):
    page = open_page(f"/analytics/?date={DAY:%Y-%m-%d}&doctor={day.doctor.pk}", user=reception)
    mark_page(page)
    page.fill("input[name=date]", "2030-02-01")
    with page.expect_response(lambda r: "/analytics/" in r.url) as answer:
        page.get_by_role("button", name="Show").click()
    assert answer.value.status == 400
    expect(page.locator(".an-error")).to_contain_text("That doctor has no slots on this date")
    assert page_is_intact(page)
    assert csp_violations == []


def test_a_forbidden_action_shows_a_notice_and_keeps_the_page(
    open_page, reception, csp_violations, debug_on
):
    day = make_day(2, 2, 2, date=timezone.localdate())  # a check-in needs the token's day
    token = issue(day, "online")
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    reception.groups.remove(Group.objects.get(name=RECEPTION))  # the role is taken away
    with page.expect_response(lambda r: "/check-in/" in r.url) as answer:
        page.locator(f'tr[data-number="{token.number}"]').get_by_role(
            "button", name="Check in"
        ).click()
    assert answer.value.status == 403
    expect(page.locator("#net-status")).to_have_text("You are not allowed to do that.")
    expect(page.locator(f'tr[data-number="{token.number}"]')).to_be_visible()
    assert page_is_intact(page)
    assert csp_violations == []


def test_djangos_debug_404_page_is_styled_and_breaks_no_policy(
    open_page, reception, csp_violations, debug_on
):
    page = open_page("/desk/", user=reception)
    response = page.goto(page.url.split("/desk/")[0] + "/no-such-page/")
    assert response.status == 404
    expect(page.locator("#summary")).to_contain_text("Page not found")
    # Its inline <style> applied: django-csp sends no policy with a 404 or 500 under DEBUG.
    background = page.locator("#summary").evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert background != "rgba(0, 0, 0, 0)"
    assert csp_violations == []


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_department_then_date_then_search_breaks_no_policy(
    open_page, reception, csp_violations, settings, debug
):
    settings.DEBUG = debug
    first = make_day(2, 2)
    other = make_day(2, 2, doctor=DoctorFactory(name="Dr Priya Iyer"))
    issue(other, "walk_in")
    page = open_page(desk_path(first), user=reception)
    mark_page(page)
    page.select_option("select[name=department]", str(other.doctor.department.pk))
    expect(page.locator("select[name=doctor]")).to_have_value(str(other.doctor.pk))
    # The address bar names the doctor shown, not the one of the department before.
    expect(page).to_have_url(re.compile(rf"/desk/\?doctor={other.doctor.pk}&date={DAY:%Y-%m-%d}$"))
    # The address changes before htmx has settled and wired the new desk: a date typed
    # in that instant (faster than a person) would reach a form htmx does not hear yet.
    expect(page.locator(".htmx-settling, .htmx-swapping, .htmx-request")).to_have_count(0)
    page.fill("input[name=date]", "2030-01-08")
    expect(page.locator("#issue-panel")).to_contain_text("has no slots on 8 Jan 2030")
    page.locator("#q").press_sequentially(f"{other.doctor.code}-0", delay=50)
    expect(page).to_have_url(re.compile(rf"&q={other.doctor.code}-0$"))
    page.locator("#q").fill("x" * 40)
    page.locator("#q").press("Enter")
    expect(page.locator("#token-list .empty")).to_be_visible()
    assert page.locator("#desk").count() == 1
    assert was_not_reloaded(page)
    # Nothing injected a <style> or a style attribute (htmx's indicator styles are ours).
    assert page.evaluate("[...document.styleSheets].every((sheet) => sheet.href)")
    assert page.locator("[style]").count() == 0
    assert csp_violations == []


def test_a_stale_csrf_token_says_to_reload(open_page, reception, csp_violations, debug_on):
    day = make_day(2, 2, 2, date=timezone.localdate())  # a check-in needs the token's day
    token = issue(day, "online")
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    page.context.clear_cookies(name="csrftoken")  # as a sign-in in another tab would rotate it
    page.locator(f'tr[data-number="{token.number}"]').get_by_role("button", name="Check in").click()
    expect(page.locator("#net-status")).to_contain_text("This page is out of date")
    assert page_is_intact(page)
    assert csp_violations == []
