"""Headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against
pytest-django's live server.

There is deliberately no skip: if Chromium is missing, launching it fails and so
do these tests (CI installs it). Never run ``playwright install``."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESK_VIEWPORT
from tests.factories import make_user
from tests.pages.conftest import PASSWORD
from tokens.roles import DOCTOR, RECEPTION

# Playwright's sync API runs an event loop in this thread; Django would otherwise
# refuse ORM calls from the test body ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The pages poll every 5 s; give a change one full interval plus some slack.
REFRESH_TIMEOUT_MS = 9_000
# Screenshots the tests take (gitignored; CI may keep them as artefacts).
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
# Every page reports what its Content-Security-Policy blocked on its console. An
# init script is the browser's, not the page's: the policy does not apply to it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked on any page ``open_page`` opened."""
    return []


@pytest.fixture
def open_page(
    browser: Browser, live_server, csp_violations: list[str]
) -> Iterator[Callable[..., Page]]:
    """``open_page(path, user=None, viewport=None)``: a new browser context (own
    cookies; 1366×768 unless ``viewport`` says otherwise), signed in through the
    login form when ``user`` is given, at ``path``."""
    contexts = []

    def _open(path: str, user=None, viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESK_VIEWPORT)
        context.set_default_timeout(REFRESH_TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(message.text)
                if "CSP violation" in message.text or "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm prompts
        if user is not None:
            page.goto(f"{live_server.url}/login/?next={quote(path)}")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"**{path.split('?')[0]}*")
        else:
            page.goto(f"{live_server.url}{path}")
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def debug_on(settings) -> None:
    """The live server answers as under ``make run`` (``DJANGO_DEBUG=1``): it runs in
    this process and reads ``settings.DEBUG`` per request (django-csp, Django's
    technical error pages, template tags), so the ``settings`` fixture switches it
    for one test and back. Static files are still served: the live server's own
    static handler does not look at DEBUG."""
    settings.DEBUG = True


@pytest.fixture
def reception(transactional_db):
    return make_user("reena", RECEPTION, first_name="Reena", password=PASSWORD)


@pytest.fixture
def doctor_login(transactional_db):
    return make_user("asha", DOCTOR, password=PASSWORD)


def mark_page(page: Page) -> None:
    """Leave a marker in the window: it survives htmx swaps but not a reload."""
    page.evaluate("window.__notReloaded = true")


def was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def page_is_intact(page: Page) -> bool:
    """Still our page after an error came back: styled by our stylesheet, with its
    top bar, htmx and opd.js loaded, and not reloaded."""
    return page.evaluate(
        """() => window.__notReloaded === true && !!window.htmx
        && [...document.styleSheets].some((sheet) => (sheet.href || "").includes("/css/opd.css"))
        && getComputedStyle(document.body).fontFamily.includes("system-ui")
        && document.querySelectorAll("body > main.page").length === 1"""
    )


def screenshot(page: Page, name: str) -> Path:
    """Save the viewport as ``test-results/<name>.png``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
