import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import issue

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_it_prints_number_doctor_room_date_slot_and_time(desk, day):
    token = issue(day, "online")
    html = desk.get(f"/tokens/{token.pk}/slip/").content.decode()
    assert token.number in html
    assert day.doctor.name in html
    assert day.doctor.room in html
    assert "Mon 7 Jan 2030" in html
    assert "09:00–10:00" in html
    assert "about 09:00" in html


def test_it_says_when_the_patient_is_waitlisted(desk, day):
    for _ in range(6):
        issue(day, "online")
    token = issue(day, "online")
    assert b"Waitlist (#1)" in desk.get(f"/tokens/{token.pk}/slip/").content


def test_it_needs_a_login(client, day):
    token = issue(day, "online")
    assert client.get(f"/tokens/{token.pk}/slip/").status_code == 302


def test_it_refuses_portal_clients(client, portal_user, day):
    token = issue(day, "online")
    client.force_login(portal_user)
    assert client.get(f"/tokens/{token.pk}/slip/").status_code == 403


def test_it_answers_404_for_an_unknown_token(desk):
    assert desk.get("/tokens/6f1c2a36-0000-4000-8000-000000000000/slip/").status_code == 404


def test_it_names_the_hospital(desk, day):
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/").content.decode()
    assert '<span class="slip-hospital">City Hospital</span>' in html
    assert "<img" not in html  # no logo unless one is set


def test_it_prints_the_configured_hospital_and_its_logo(desk, day, settings):
    settings.OPD_HOSPITAL_NAME = "St Mary's Hospital, Kochi"
    settings.OPD_HOSPITAL_LOGO = "img/favicon.svg"
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/").content.decode()
    assert "St Mary&#x27;s Hospital, Kochi" in html
    assert '<img class="slip-logo" src="/static/img/favicon.svg" alt="">' in html


@pytest.mark.parametrize("logo", ["https://cdn.hospital.example/logo.png", "/media/logo.png"])
def test_a_logo_address_is_used_as_it_is(desk, day, settings, logo):
    settings.OPD_HOSPITAL_LOGO = logo
    html = desk.get(f"/tokens/{issue(day, 'online').pk}/slip/").content.decode()
    assert f'src="{logo}"' in html


def settings_in_a_fresh_process(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); print(json.dumps("
        "[settings.OPD_HOSPITAL_NAME, settings.OPD_HOSPITAL_LOGO,"
        " settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']]))"
    )
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "opd_project.settings"}
    for name in ("OPD_HOSPITAL_NAME", "OPD_HOSPITAL_LOGO"):
        environ.pop(name, None)
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, cwd=ROOT
    )
    return {"returncode": done.returncode, "stderr": done.stderr, "out": done.stdout}


def test_the_hospital_comes_from_the_environment():
    done = settings_in_a_fresh_process(
        OPD_HOSPITAL_NAME="District Hospital", OPD_HOSPITAL_LOGO="img/logo.svg"
    )
    assert json.loads(done["out"]) == ["District Hospital", "img/logo.svg", ["'self'", "data:"]]


def test_a_logo_on_another_site_is_allowed_by_the_policy():
    done = settings_in_a_fresh_process(OPD_HOSPITAL_LOGO="https://cdn.hospital.example/a/logo.png")
    assert json.loads(done["out"])[2] == ["'self'", "data:", "https://cdn.hospital.example"]


def test_a_logo_that_is_no_url_stops_the_start():
    done = settings_in_a_fresh_process(OPD_HOSPITAL_LOGO="https:logo.png")
    assert done["returncode"] != 0
    assert "OPD_HOSPITAL_LOGO='https:logo.png' is not a URL" in done["stderr"]
