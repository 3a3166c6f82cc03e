"""The reception desk in a real browser: htmx swaps, events and polling."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REFRESH_TIMEOUT_MS, mark_page, was_not_reloaded
from tests.factories import DAY, issue, make_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def desk_path(day) -> str:
    return f"/desk/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}"


def issue_walk_in(page, name: str, phone: str) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", phone)
    page.click("#issue-panel button[type=submit]")


def test_it_signs_in_reception_and_loads_htmx_from_our_static_files(open_page, reception, day):
    page = open_page(desk_path(day), user=reception)
    assert "/desk/" in page.url
    assert page.evaluate("window.htmx && htmx.version").startswith("2.")
    expect(page.locator("input[name=name]")).to_be_focused()
    policy = page.reload().headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_it_issues_a_walk_in_and_moves_the_slot_bar_without_a_reload(
    open_page, reception, day, csp_violations
):
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    first_slot = page.locator("#slot-board .slot").first
    expect(first_slot.locator(".slot-count")).to_have_text("0/2")
    issue_walk_in(page, "Asha Rao", "+919812345678")
    number = day.doctor.code + "-001"
    expect(page.locator(".issued-number")).to_have_text(number)
    expect(first_slot.locator(".slot-count")).to_have_text("1/2")
    expect(first_slot.locator(".bar-fill")).to_have_attribute("width", "50")
    row = page.locator(f'#token-list tr[data-number="{number}"]')
    expect(row.locator(".phone")).to_have_text("••••••5678")
    assert was_not_reloaded(page)
    assert csp_violations == []


def test_it_shows_a_duplicate_inline_with_the_apis_message(open_page, reception, day):
    existing = issue(day, "online")
    page = open_page(desk_path(day), user=reception)
    issue_walk_in(page, existing.patient.name, existing.patient.phone)
    expect(page.locator("#issue-panel .alert-error")).to_contain_text(
        f"already holds token {existing.number} for this doctor that day."
    )


def test_it_promotes_the_waitlisted_token_in_place_after_a_cancel(
    open_page, reception, csp_violations
):
    day = make_day(1)
    seated = issue(day, "online")
    waiting = issue(day, "online")
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    expect(page.locator("#waitlist")).to_contain_text(waiting.number)
    row = page.locator(f'tr[data-number="{seated.number}"]')
    row.locator("summary").click()
    row.get_by_role("button", name="Cancel token").click()
    expect(page.locator(f'tr[data-number="{seated.number}"] .status')).to_have_text("Cancelled")
    expect(page.locator(f'tr[data-number="{waiting.number}"] .status')).to_have_text("Allocated")
    expect(page.locator("#waitlist")).not_to_contain_text(waiting.number)
    expect(page.locator("#slot-board .slot-count").first).to_have_text("1/1")
    assert was_not_reloaded(page)
    assert csp_violations == []


def test_two_desks_see_each_others_work_within_the_refresh_interval(
    open_page, reception, day, csp_violations
):
    mine = open_page(desk_path(day), user=reception)
    theirs = open_page(desk_path(day), user=reception)
    issue_walk_in(mine, "Ravi Kumar", "+919800011122")
    number = day.doctor.code + "-001"
    expect(mine.locator(".issued-number")).to_have_text(number)
    other_row = theirs.locator(f'#token-list tr[data-number="{number}"]')
    expect(other_row).to_be_visible(timeout=REFRESH_TIMEOUT_MS)
    expect(theirs.locator("#slot-board .slot-count").first).to_have_text("1/2")
    # The polls ran under the policy: no inline <style> from htmx, nothing blocked.
    assert theirs.evaluate("[...document.styleSheets].every((sheet) => sheet.href)")
    assert csp_violations == []
