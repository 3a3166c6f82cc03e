"""The waiting hall's voice in Chromium: when the doctor calls a token the board
(polled every 5 s) shows the number in a banner and says it — once, in the board's
language — and a board with ?sound=off or its toggle off says nothing. Speech
synthesis is stubbed by an init script that records what the page asked to say."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESK_VIEWPORT
from tests.browser.conftest import REFRESH_TIMEOUT_MS
from tests.factories import DoctorFactory, issue, make_day
from tokens.services import token_call_next

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the page asks speechSynthesis to say, recorded instead of spoken (an init
# script is the browser's, not the page's: the policy does not apply to it).
RECORD_SPEECH = """
window.__spoken = [];
(() => {
  if (!window.SpeechSynthesisUtterance) {
    window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
  }
  let synth = window.speechSynthesis;
  if (!synth) {
    synth = {getVoices: () => []};
    Object.defineProperty(window, "speechSynthesis", {value: synth});
  }
  synth.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
  synth.cancel = () => {};
})();
"""
# One poll (5 s), the chime before the voice (0.9 s), and slack.
ANNOUNCE_TIMEOUT_MS = REFRESH_TIMEOUT_MS + 1_500


@pytest.fixture
def clinic():
    doctor = DoctorFactory(name="Dr Asha Sharma", code="SHA", room="101")
    day = make_day(3, 3, date=timezone.localdate(), doctor=doctor)
    issue(day, "walk_in")
    issue(day, "walk_in")
    return day


def board(open_page, path: str) -> Page:
    page = open_page(path)
    page.add_init_script(RECORD_SPEECH)
    page.reload()
    expect(page.locator("#hall-board")).to_be_visible()
    return page


def spoken(page: Page) -> list[dict]:
    return page.evaluate("window.__spoken")


def wait_until_spoken(page: Page, timeout_ms: int = ANNOUNCE_TIMEOUT_MS) -> list[dict]:
    """Poll from here: page.wait_for_function evals a string, which the policy forbids."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not (said := spoken(page)) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return said


@pytest.mark.parametrize(
    ("lang", "said", "voice", "room"),
    [
        ("en", "Token S H A 0 0 1, room 101", "en-IN", "Room 101"),
        ("hi", "टोकन S H A 0 0 1, कमरा 101", "hi-IN", "कमरा 101"),
    ],
)
def test_a_call_is_announced_once_with_its_number_and_room(
    open_page, clinic, csp_violations, lang, said, voice, room
):
    hall = board(open_page, f"/display/?doctor={clinic.doctor_id}&lang={lang}")
    hall.wait_for_timeout(1_000)
    assert spoken(hall) == []  # nothing on the first load
    result = token_call_next(day=clinic, now=timezone.now())
    number = result.token.number
    assert wait_until_spoken(hall) == [{"text": said, "lang": voice}]
    banner = hall.locator("#hall-call")
    expect(banner).to_be_visible()
    expect(banner.locator("[data-role=call-number]")).to_have_text(number)
    expect(banner.locator("[data-role=call-room]")).to_have_text(room)
    expect(hall.locator('[data-role="now-serving"]')).to_have_text(number)
    hall.wait_for_timeout(6_000)  # another poll, which renders the same number
    assert len(spoken(hall)) == 1
    expect(banner).to_be_hidden(timeout=6_000)  # 10 s after the call
    assert csp_violations == []


def test_the_doctors_page_calls_and_the_board_announces(open_page, doctor_login, csp_violations):
    doctor = DoctorFactory(name="Dr Asha Sharma", code="SHA", room="101", user=doctor_login)
    day = make_day(3, date=timezone.localdate(), doctor=doctor)
    first = issue(day, "walk_in")
    hall = board(open_page, f"/display/?doctor={doctor.pk}")
    queue = open_page("/doctor/", user=doctor_login)
    queue.get_by_role("button", name=f"Call next · {first.number}").click()
    assert wait_until_spoken(hall) == [{"text": "Token S H A 0 0 1, room 101", "lang": "en-IN"}]
    assert csp_violations == []


def test_a_board_with_sound_off_says_nothing(open_page, clinic):
    hall = board(open_page, f"/display/?doctor={clinic.doctor_id}&sound=off")
    expect(hall.get_by_role("button", name="Sound on")).to_have_count(0)
    expect(hall.get_by_role("button", name="Tap to enable sound")).to_have_count(0)
    number = token_call_next(day=clinic, now=timezone.now()).token.number
    expect(hall.locator("#hall-call [data-role=call-number]")).to_have_text(
        number, timeout=REFRESH_TIMEOUT_MS
    )  # the banner still shows it
    hall.wait_for_timeout(1_500)  # past the chime
    assert spoken(hall) == []


def test_the_toggle_turns_sound_off_and_is_remembered(open_page, clinic):
    hall = board(open_page, f"/display/?doctor={clinic.doctor_id}")
    toggle = hall.locator("[data-sound-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_text("Sound off")
    hall.reload()
    expect(toggle).to_have_attribute("aria-pressed", "false")  # localStorage
    number = token_call_next(day=clinic, now=timezone.now()).token.number
    expect(hall.locator('[data-role="now-serving"]')).to_have_text(
        number, timeout=REFRESH_TIMEOUT_MS
    )
    hall.wait_for_timeout(1_500)
    assert spoken(hall) == []


def test_a_browser_that_blocks_audio_offers_a_tap_once(open_page, clinic):
    """Headless Chromium without --autoplay-policy=no-user-gesture-required starts
    audio suspended, as a hall TV's browser would: the board asks for a tap, once."""
    hall = board(open_page, f"/display/?doctor={clinic.doctor_id}")
    unlock = hall.get_by_role("button", name="Tap to enable sound")
    expect(unlock).to_be_visible()
    unlock.click()
    expect(unlock).to_be_hidden()
    hall.wait_for_timeout(6_000)  # a poll swaps the board, not the button
    expect(unlock).to_be_hidden()


@pytest.fixture
def hall_tv_browser(browser: Browser):
    """Chromium as the hall TV is told to start (docs/pages.md, "Voice calling"),
    launched by the session's Playwright (one per process)."""
    tv = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    yield tv
    tv.close()


def test_a_hall_tv_started_for_autoplay_chimes_and_speaks_without_a_tap(
    hall_tv_browser, live_server, clinic
):
    context = hall_tv_browser.new_context(viewport=DESK_VIEWPORT)
    try:
        errors: list[str] = []
        context.add_init_script(RECORD_SPEECH)
        context.add_init_script(
            # Count the chime's notes: every oscillator the page starts.
            "window.__notes = 0; const start = OscillatorNode.prototype.start;"
            "OscillatorNode.prototype.start = function (...a) {"
            " window.__notes++; return start.apply(this, a); };"
        )
        hall = context.new_page()
        hall.on("pageerror", lambda error: errors.append(str(error)))
        hall.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        hall.goto(f"{live_server.url}/display/?doctor={clinic.doctor_id}")
        expect(hall.get_by_role("button", name="Tap to enable sound")).to_be_hidden()
        token_call_next(day=clinic, now=timezone.now())
        said = wait_until_spoken(hall)
        assert said == [{"text": "Token S H A 0 0 1, room 101", "lang": "en-IN"}]
        assert hall.evaluate("window.__notes") == 2  # the two-note chime, before the voice
        assert errors == []
    finally:
        context.close()
