"""What only a browser shows at the desk and the doctor's page: one-key shortcuts,
the spoken confirmation of an action, long names that wrap instead of overflowing,
and a scrolling list that shows that it scrolls."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import REFRESH_TIMEOUT_MS, mark_page, was_not_reloaded
from tests.factories import DoctorFactory, PatientFactory, issue, make_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Venkatanarasimharajuvaripeta" * 3  # 84 letters, no space


def desk_path(day) -> str:
    return f"/desk/?doctor={day.doctor.pk}&date={day.date:%Y-%m-%d}"


def fits(locator, container) -> bool:
    """The element's box lies within the container's (horizontally), and nothing in
    it is wider than itself."""
    return locator.evaluate(
        """(el, container) => {
          const r = el.getBoundingClientRect(), c = container.getBoundingClientRect();
          return r.left >= c.left - 0.5 && r.right <= c.right + 0.5
                 && el.scrollWidth <= el.clientWidth + 1;
        }""",
        container.element_handle(),
    )


def test_single_keys_jump_to_the_name_and_the_search_but_never_while_typing(
    open_page, reception, day
):
    page = open_page(desk_path(day), user=reception)
    name = page.locator("input[name=name]")
    search = page.locator("#q")
    page.locator("#slot-board h2").click()  # nothing focused
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("no")  # typing in a field types
    expect(search).to_have_value("no")
    page.locator("#slot-board h2").click()
    page.keyboard.press("n")
    expect(name).to_be_focused()
    page.keyboard.type("Nina")
    expect(name).to_have_value("Nina")
    expect(page.locator("#issue-panel .hint")).to_contain_text("N name")


def test_the_doctor_calls_next_and_completes_with_single_keys(open_page, doctor_login):
    doctor = DoctorFactory(name="Dr Asha Sharma", user=doctor_login)
    day = make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    first = issue(day, "walk_in")
    page = open_page("/doctor/", user=doctor_login)
    mark_page(page)
    expect(page.locator(".call-next .hint")).to_have_text("N calls next")
    page.keyboard.press("n")
    expect(page.locator(".big-number")).to_have_text(first.number)
    expect(page.locator("#doctor-status")).to_have_text(f"Calling {first.number}.")
    page.keyboard.press("c")  # at once: the button just swapped in still posts with htmx
    expect(page.locator(".big-number")).to_have_text("—")
    expect(page.locator("#doctor-status")).to_have_text(f"{first.number} completed.")
    assert was_not_reloaded(page)


def test_an_action_is_confirmed_in_a_status_region_that_stays_in_place(
    open_page, reception, csp_violations
):
    day = make_day(2, 2, 2, date=timezone.localdate())  # a check-in needs the token's day
    token = issue(day, "online")
    page = open_page(desk_path(day), user=reception)
    mark_page(page)
    status = page.locator("#desk-status")
    expect(status).to_have_attribute("aria-live", "polite")
    status.evaluate("(el) => { el.__original = true; }")
    page.locator(f'tr[data-number="{token.number}"]').get_by_role("button", name="Check in").click()
    expect(status).to_have_text(f"{token.number} checked in.")
    # The same element, its text changed: a region that is replaced is not read out.
    assert status.evaluate("(el) => el.__original === true")
    expect(page.locator(f'tr[data-number="{token.number}"] .status')).to_have_text("Checked in")
    assert was_not_reloaded(page)
    assert csp_violations == []


def test_a_long_unbroken_name_wraps_everywhere(on_the_day, open_page, reception, day):
    page = open_page(desk_path(day), user=reception)
    page.fill("input[name=name]", LONG_NAME)
    page.fill("input[name=phone]", "98123 45678")
    page.click("#issue-panel button[type=submit]")
    number = f"{day.doctor.code}-001"
    expect(page.locator(".issued-number")).to_have_text(number)
    panel = page.locator("#issue-panel")
    assert fits(page.locator(".issued"), panel)
    assert fits(page.locator(".issued-where"), panel)
    # The number and the Print slip button share the top line; the name has the full width.
    where = page.locator(".issued-where").bounding_box()
    issued = page.locator(".issued").bounding_box()
    assert where["width"] > 0.85 * issued["width"]
    token_list = page.locator("#token-list")
    expect(token_list.locator(f'tr[data-number="{number}"]')).to_be_visible()
    assert token_list.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert fits(token_list.locator(f'tr[data-number="{number}"] .name'), token_list)
    calling = page.locator("#calling-order")
    expect(calling.locator(".qname")).to_have_text(LONG_NAME)
    assert fits(calling.locator(".qname"), calling)


def test_the_calling_order_shows_whole_names_and_that_it_scrolls(open_page, reception):
    day = make_day(30)
    names = [f"Fatima Begum Chaudhary {i}" for i in range(20)]
    for name in names:
        issue(day, "walk_in", patient=PatientFactory(name=name))
    page = open_page(desk_path(day), user=reception)
    queue = page.locator("#calling-order .queue")
    expect(queue.locator("li")).to_have_count(20)
    first = queue.locator(".qname").first
    expect(first).to_have_text(names[0])
    assert first.evaluate(
        "(el) => el.scrollWidth <= el.clientWidth && getComputedStyle(el).textOverflow === 'clip'"
    )
    assert queue.evaluate("(el) => el.scrollHeight > el.clientHeight")  # it does scroll
    # The cue: covers that scroll with the list over shadows that stay at its edges.
    attachment = queue.evaluate("(el) => getComputedStyle(el).backgroundAttachment")
    assert attachment == "local, local, scroll, scroll"


def test_the_queue_keeps_refreshing_after_the_delay_is_set(open_page, doctor_login):
    doctor = DoctorFactory(name="Dr Asha Sharma", user=doctor_login)
    day = make_day(2, 2, date=timezone.localdate(), doctor=doctor)
    page = open_page("/doctor/", user=doctor_login)
    page.fill("input[name=minutes]", "7")
    page.get_by_role("button", name="Set").click()  # the button keeps the focus
    expect(page.locator("#doctor-status")).to_have_text("Running 7 min late: estimates moved.")
    arrived = issue(day, "walk_in")  # checked in at the desk meanwhile
    expect(page.locator("#doctor-queue")).to_contain_text(
        arrived.number, timeout=REFRESH_TIMEOUT_MS
    )
