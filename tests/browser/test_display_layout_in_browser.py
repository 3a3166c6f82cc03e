"""The waiting-hall board on a hall TV: 1 to 12 doctors fill 1366×768 and 1920×1080
without a scrollbar, and nothing spills out of its panel. Screenshots go to
test-results/ (docs/display.png is the demo's, tests/browser/docs_screenshots.py)."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scheduling.models import Doctor
from tests.browser.conftest import screenshot
from tests.factories import DepartmentFactory, DoctorFactory, issue, make_day
from tokens.services import day_set_delay, token_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = [(1366, 768), (1920, 1080)]
DOCTORS = [
    ("Dr Asha Sharma", "SHA"),
    ("Dr Vikram Menon", "MEN"),
    ("Dr Priya Iyer", "IYE"),
    ("Dr Rahul Khan", "KHA"),
    ("Dr Venkataraman Subramaniam", "SUBRAM"),  # the longest code: "SUBRAM-001"
    ("Dr Fatima Begum", "BEG"),
    ("Dr Arjun Das", "DAS"),
    ("Dr Kavya Reddy", "RED"),
    ("Dr Imran Sheikh", "SHE"),
    ("Dr Lakshmi Nair", "NAI"),
    ("Dr Rohan Gupta", "GUP"),
    ("Dr Meera Pillai", "PIL"),
]


def hall(count: int):
    """A department of ``count`` doctors today, each in another state: serving with
    three waiting, nobody called yet, running late, no clinic today."""
    department = DepartmentFactory(name="Outpatients")
    today = timezone.localdate()
    for i, (name, code) in enumerate(DOCTORS[:count]):
        doctor = DoctorFactory(name=name, code=code, department=department, room=str(101 + i))
        if i % 6 == 3 and count > 1:
            continue  # no clinic today
        day = make_day(4, 4, date=today, doctor=doctor)
        tokens = [issue(day, "walk_in") for _ in range(4 if i % 3 != 2 else 2)]
        if i % 3 != 2:
            token_call(token=tokens[0], now=tokens[0].requested_at)
        if i % 4 == 1:
            day_set_delay(day=day, minutes=15, now=tokens[0].requested_at)
    return department


# What lies outside the viewport, outside its panel, or is cut inside its own box.
OVERFLOWS = """() => {
  const bad = [];
  const view = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
  const inside = (r, o) => r.left >= o.left - 0.5 && r.right <= o.right + 0.5
                           && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5;
  const root = document.scrollingElement;
  if (root.scrollHeight > view.bottom || root.scrollWidth > view.right) bad.push("page scrolls");
  for (const el of document.querySelectorAll(".hall-head, .hall-foot, .hall-card")) {
    if (!inside(el.getBoundingClientRect(), view)) bad.push(el.className + " off-screen");
  }
  const parts = ".hall-card-head > *, .hall-now, .hall-number, .hall-wait, .hall-next li,"
              + " .hall-delay, .hall-note";
  for (const card of document.querySelectorAll(".hall-card")) {
    const box = card.getBoundingClientRect();
    const name = card.querySelector("h2").textContent;
    if (card.scrollHeight > card.clientHeight + 1 || card.scrollWidth > card.clientWidth + 1)
      bad.push(name + ": content bigger than its panel");
    for (const el of card.querySelectorAll(parts)) {
      const what = name + ": " + el.textContent.trim();
      if (!inside(el.getBoundingClientRect(), box)) bad.push(what + " outside its panel");
      if (el.matches(".hall-next li, .hall-number") && el.scrollWidth > el.clientWidth + 1)
        bad.push(what + " cut");
    }
  }
  return bad;
}"""


def overflows(page: Page) -> list[str]:
    return page.evaluate(OVERFLOWS)


@pytest.mark.parametrize("count", [1, 2, 5, 12])
@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_the_board_fits_the_screen(open_page, csp_violations, count, width, height):
    department = hall(count)
    page = open_page(
        f"/display/?department={department.pk}", viewport={"width": width, "height": height}
    )
    expect(page.locator(".hall-card")).to_have_count(count)
    page.evaluate("document.fonts.ready")
    screenshot(page, f"display-{count}-doctors-{width}x{height}")
    assert overflows(page) == []
    # Readable across the hall even with 12 doctors on a small screen.
    number = page.locator(".hall-now:not(.hall-now-idle) .hall-number").first
    assert number.bounding_box()["height"] > 40
    assert csp_violations == []


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_every_count_from_1_to_12_fits(open_page, width, height):
    """The same, quicker and without screenshots: each count of doctors, one page."""
    hall(12)
    doctors = list(Doctor.objects.order_by("name").values_list("pk", flat=True))
    page = open_page("/display/", viewport={"width": width, "height": height})
    for count in range(1, 13):
        page.goto(
            page.url.split("/display/")[0]
            + "/display/?"
            + "&".join(f"doctor={pk}" for pk in doctors[:count])
        )
        expect(page.locator(".hall-card")).to_have_count(count)
        screenshot(page, f"display-sweep-{count}-doctors-{width}x{height}")
        assert overflows(page) == [], f"{count} doctors at {width}×{height}"


def test_an_empty_now_serving_says_please_wait(open_page):
    today = timezone.localdate()
    day = make_day(2, date=today, doctor=DoctorFactory(name="Dr Priya Iyer", code="IYE"))
    issue(day, "walk_in")
    page = open_page(f"/display/?doctor={day.doctor.pk}")
    now = page.locator(".hall-now")
    expect(now).to_have_class("hall-now hall-now-idle")
    expect(now.locator('[data-role="now-serving"]')).to_have_text("—")
    expect(now.locator(".hall-wait")).to_have_text("Please wait")
    # Not a lit (teal) box: its background is the panel's.
    assert now.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgba(0, 0, 0, 0)"
