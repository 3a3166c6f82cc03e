"""Retake the screenshots in docs/ (desk.png, doctor.png, display.png, slip.png,
status.png) from the demo.

    .venv/bin/python tests/browser/docs_screenshots.py [--out docs] [--only slip,status]

It builds a throw-away SQLite demo (``load_demo``, as ``make run`` does) in a time zone
where it is about 08:00 now, so the day's slots lie ahead whatever the wall clock says;
serves it with DEBUG on, as ``make run`` does; plays a morning in Debian's Chromium —
reception checks patients in and issues walk-ins, the doctors call their first patients,
Dr Sharma runs 10 minutes late — and saves each page at 1366×768. Phone numbers are
masked on the desk as always; the issue form is empty when the desk is taken. The hall
runs as a hall TV should (``--autoplay-policy=no-user-gesture-required``: no "Tap to
enable sound"). The slip (with the QR code of its status link, on the public address
``https://opd.cityhospital.example``) and that token's status page on a phone
(390×844) show one of Dr Sharma's online patients, checked in, the doctor 10 minutes
late: demo people only, nothing to mask (the status page shows initials at most).

Not a test (pytest collects only test_*.py): a tool for the docs, next to the browser
tests whose set-up it shares (Chromium, its flags)."""

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESK_VIEWPORT  # noqa: E402

PASSWORD = "opd-demo"  # load_demo's public demo password
SHOTS = ("desk", "doctor", "display", "slip", "status")
# The address patients reach the site at, as the slip's QR code and link print it.
PUBLIC_URL = "https://opd.cityhospital.example"
PHONE = {"width": 390, "height": 844}
# A patient's token for the slip and the status page: checked in, the doctor late.
PATIENT_TOKEN = """
from django.utils import timezone
from tokens.models import Token
from tokens.public_codes import status_path
from tokens.services import day_set_delay, token_check_in
token = Token.objects.filter(
    day__doctor__code="SHA", day__date=timezone.localdate(), status="allocated", source="online"
).order_by("seq").first()
token_check_in(token=token, now=timezone.now())
if token.day.delay_minutes < 10:
    day_set_delay(day=token.day, minutes=10, now=timezone.now())
print("token", token.pk, status_path(token))
"""
WALK_INS = [
    ("Geeta Singh", "98000 00014", "emergency"),
    ("Anil Joshi", "98000 00009", "walk_in"),
    ("Sunita Verma", "98000 00012", "walk_in"),
    ("Latha Krishnan", "98000 00023", "walk_in"),
]


def morning_zone() -> str:
    """An Etc/GMT zone where the local hour is 08 now."""
    offset = 8 - dt.datetime.now(dt.UTC).hour
    if offset < -12:
        offset += 24
    return f"Etc/GMT{-offset:+d}"  # POSIX names: Etc/GMT-5 is UTC+5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def sign_in(page: Page, base: str, user: str, path: str) -> None:
    page.goto(f"{base}/login/?next={path}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path.split('?')[0]}*")


def play_the_morning(
    browser, base: str, doctors: dict[str, int], out: Path, wanted: set[str]
) -> None:
    def new_page() -> Page:
        return browser.new_context(viewport=DESK_VIEWPORT).new_page()

    # Reception checks in everyone booked in the first slots of Dr Sharma.
    desk = new_page()
    sign_in(desk, base, "reception", f"/desk/?doctor={doctors['SHA']}")
    for _ in range(3):
        desk.locator("#token-list").get_by_role("button", name="Check in").first.click()
        desk.wait_for_timeout(400)

    # The doctors call their first patients; Dr Sharma runs late.
    admin = new_page()
    sign_in(admin, base, "admin", "/doctor/")
    for code in ("MEN", "KHA"):
        admin.goto(f"{base}/doctor/?doctor={doctors[code]}")
        admin.get_by_role("button", name="Call next").click()
        expect(admin.locator(".big-number")).not_to_have_text("—")
    doctor = new_page()
    sign_in(doctor, base, "doctor", "/doctor/")
    doctor.get_by_role("button", name="Call next").click()
    expect(doctor.locator(".big-number")).not_to_have_text("—")
    doctor.fill("input[name=minutes]", "10")
    doctor.get_by_role("button", name="Set").click()
    expect(doctor.locator("#doctor-status")).to_contain_text("10 min late")

    # Walk-ins at the desk; the last one's slip is ready to print.
    for name, phone, source in WALK_INS:
        desk.fill("input[name=name]", name)
        desk.fill("input[name=phone]", phone)
        desk.check(f"input[name=source][value={source}]")
        desk.click("#issue-panel button[type=submit]")
        expect(desk.locator(".issued-where")).to_contain_text(name)
    desk.locator("#q").focus()  # the search box's shortcut hint, and no caret in the form
    desk.wait_for_timeout(5_500)  # one poll: the calling order shows who is with the doctor
    desk.locator("#q").blur()
    if "desk" in wanted:
        desk.screenshot(path=str(out / "desk.png"))

    # The queue has caught up by its own poll; the status line still says the delay.
    expect(doctor.locator("#doctor-queue")).to_contain_text(WALK_INS[-1][0], timeout=9_000)
    if "doctor" in wanted:
        doctor.screenshot(path=str(out / "doctor.png"))

    hall = new_page()
    query = "&".join(f"doctor={pk}" for pk in doctors.values())
    hall.goto(f"{base}/display/?{query}")
    hall.evaluate("document.fonts.ready")
    if "display" in wanted:
        hall.screenshot(path=str(out / "display.png"))


def slip_and_status(browser, base: str, env: dict[str, str], out: Path, wanted: set[str]) -> None:
    """The slip as the desk prints it, and its status page on the patient's phone."""
    found = manage(env, "shell", "-c", PATIENT_TOKEN).split()
    token_id, path = found[found.index("token") + 1 : found.index("token") + 3]
    desk = browser.new_context(viewport={"width": 700, "height": 1100}).new_page()
    sign_in(desk, base, "reception", f"/tokens/{token_id}/slip/")
    expect(desk.locator(".slip-qr svg")).to_be_visible()
    desk.evaluate("document.fonts.ready")
    if "slip" in wanted:
        desk.locator(".slip").screenshot(path=str(out / "slip.png"))
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    phone.goto(f"{base}{path}")
    expect(phone.locator("#token-number")).to_be_visible()
    phone.evaluate("document.fonts.ready")
    if "status" in wanted:
        phone.screenshot(path=str(out / "status.png"), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--only", default=",".join(SHOTS), help=f"comma-separated, of {', '.join(SHOTS)}"
    )
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    if not wanted or wanted - set(SHOTS):
        parser.error(f"--only: choose from {', '.join(SHOTS)}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "SQLITE_PATH": str(Path(tmp) / "demo.sqlite3"),
            "TIME_ZONE": morning_zone(),
            "OPD_PUBLIC_URL": PUBLIC_URL,
        }
        env.pop("DATABASE_URL", None)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        ids = manage(
            env,
            "shell",
            "-c",
            "from scheduling.models import Doctor\n"
            "for d in Doctor.objects.order_by('pk'): print('doctor', d.code, d.pk)",
        )
        doctors = {
            words[1]: int(words[2])
            for words in (line.split() for line in ids.splitlines())
            if len(words) == 3 and words[0] == "doctor"
        }
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(50):
                try:
                    urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    # As a hall TV is started: it may play the board's chime and voice.
                    args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
                )
                if wanted & {"desk", "doctor", "display"}:
                    play_the_morning(browser, base, doctors, args.out, wanted)
                if wanted & {"slip", "status"}:
                    slip_and_status(browser, base, env, args.out, wanted)
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print(", ".join(f"{name}.png" for name in SHOTS if name in wanted), "written to", args.out)


if __name__ == "__main__":
    main()
