"""The Content-Security-Policy header: on pages and the API alike; and no template
holds what it would block (the browser test watches for violations at run time)."""

import re
from pathlib import Path

import pytest

from tests.factories import DAY, make_day, make_user
from tokens.roles import DOCTOR, RECEPTION

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_desk_allows_only_our_own_scripts_and_styles(client):
    day = make_day(2)
    client.force_login(make_user("rita", RECEPTION))
    response = client.get(f"/desk/?doctor={day.doctor.pk}&date={DAY:%Y-%m-%d}")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"


@pytest.mark.parametrize("path", ["/login/", "/display/", "/healthz", "/api/v1/slots/"])
def test_every_answer_carries_the_policy(client, path):
    assert "script-src 'self'" in client.get(path)["Content-Security-Policy"]


def test_the_doctors_queue_carries_the_policy(client):
    client.force_login(make_user("asha", DOCTOR))
    response = client.get("/doctor/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_handlers():
    root = Path(__file__).resolve().parents[2] / "templates"
    for template in root.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text())  # comments may name them
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style\b", text), template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "hx-on" not in text and "js:" not in text, template


def test_swagger_ui_loads_its_start_up_script_as_a_file(client):
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    assert "<style" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
