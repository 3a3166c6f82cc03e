"""In a real browser the polls revalidate: an unchanged region costs the server a 304
(Chromium keeps the region's last answer and sends its ETag back), and a change made
at another desk still appears on the next poll."""

import pytest
from django.http import HttpResponseNotModified
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import REFRESH_TIMEOUT_MS
from tests.factories import issue, make_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def not_modified(monkeypatch) -> list[int]:
    """Every 304 the server answers (the live server runs in this process)."""
    answered: list[int] = []

    class Counted(HttpResponseNotModified):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            answered.append(304)

    monkeypatch.setattr("tokens.pages.screens.HttpResponseNotModified", Counted)
    return answered


@pytest.fixture
def todays_desk(open_page, reception, monkeypatch):
    """A desk open on a day of today holding one token: (page, day, that token)."""
    # The ETag also holds the minute: a minute's turn during a wait would rightly
    # refresh every region. Hold it (the live server runs in this process).
    monkeypatch.setattr("tokens.pages.screens._minute", lambda: 29_000_000)
    day = make_day(3, 3, date=timezone.localdate())
    first = issue(day, "online")
    page = open_page(f"/desk/?doctor={day.doctor_id}&date={day.date:%Y-%m-%d}", user=reception)
    return page, day, first


def test_the_desk_polls_with_304s_and_still_sees_another_desks_token(not_modified, todays_desk):
    page, day, first = todays_desk
    asked: list[str] = []
    page.on(
        "request",
        lambda request: (
            "hx-request" in request.headers and asked.append(request.headers.get("hx-target", ""))
        ),
    )
    expect(page.locator("#token-list")).to_contain_text(first.number)
    page.wait_for_timeout(11_000)  # two polls
    # One poll for the whole desk, its pulse, answered 304 from the first (the page
    # seeds its ETag); no region asked again while nothing changed.
    assert asked and set(asked) == {"desk-pulse"} and len(not_modified) >= len(asked) >= 2
    second = issue(day, "online")  # booked elsewhere: the portal, another desk
    expect(page.locator("#token-list")).to_contain_text(second.number, timeout=REFRESH_TIMEOUT_MS)
    # The pulse's answer carried the regions (out of band): none asked on its own.
    assert set(asked) == {"desk-pulse"}
    expect(page.locator("#slot-board .slot-count").first).to_have_text("2/3")


def test_the_pulse_holds_back_the_token_list_while_a_menu_is_open_in_it(todays_desk):
    page, day, first = todays_desk
    menu = page.locator(f'#token-list tr[data-number="{first.number}"] details.more')
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    second = issue(day, "online")
    # The slot board takes the change at the next poll; the list keeps the open menu.
    slot_count = page.locator("#slot-board .slot-count").first
    expect(slot_count).to_have_text("2/3", timeout=REFRESH_TIMEOUT_MS)
    expect(menu).to_have_attribute("open", "")
    expect(page.locator("#token-list")).not_to_contain_text(second.number)
    menu.locator("summary").click()  # done with the menu, and moves on: the list catches up
    page.evaluate("document.activeElement.blur()")
    expect(page.locator("#token-list")).to_contain_text(second.number, timeout=REFRESH_TIMEOUT_MS)


def test_a_search_typed_since_the_page_opened_survives_the_pulse(todays_desk):
    page, day, first = todays_desk
    page.fill("#q", first.number)  # the list now shows the search, the pulse the day
    expect(page.locator("#token-list .list-caption")).to_contain_text("matching")
    # The pulse brings the day's whole list; the search's list asks for its own instead.
    own_list = lambda r: r.request.headers.get("hx-target") == "token-list"  # noqa: E731
    with page.expect_response(own_list, timeout=REFRESH_TIMEOUT_MS):
        second = issue(day, "online")
        expect(page.locator("#slot-board .slot-count").first).to_have_text(
            "2/3", timeout=REFRESH_TIMEOUT_MS
        )
    expect(page.locator("#token-list .list-caption")).to_contain_text("matching")
    expect(page.locator("#token-list")).to_contain_text(first.number)
    expect(page.locator("#token-list")).not_to_contain_text(second.number)
