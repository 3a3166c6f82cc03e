"""The admin says whose it is: OPD Token's name, its icon, and DRF's API tokens as
"API keys" rather than a second "Tokens" next to the patients' tokens."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.templatetags.static import static
from rest_framework.authtoken.models import Token as ApiToken

ICON = f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">'


@pytest.fixture
def boss(client, db):
    """A superuser's session (tests/conftest.py's admin_user is the admin role only)."""
    client.force_login(User.objects.create_superuser("boss", password="pw-123456"))
    return client


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S)[1].strip()


def test_the_admin_is_named_opd_token(boss):
    html = boss.get("/admin/").content.decode()
    assert '<a href="/admin/">OPD Token administration</a>' in html
    assert title(html) == "Administration | OPD Token admin"
    assert "Django" not in title(html)
    page = boss.get("/admin/scheduling/doctor/").content.decode()
    assert title(page) == "Select doctor to change | OPD Token admin"
    boss.logout()
    login = boss.get("/admin/login/").content.decode()
    assert title(login) == "Log in | OPD Token admin"
    assert "OPD Token administration" in login
    assert ICON in login


def test_drf_tokens_are_api_keys_next_to_our_tokens(boss):
    html = boss.get("/admin/").content.decode()
    sections = dict(re.findall(r'<a href="/admin/(\w+)/" class="section"[^>]*>([^<]+)</a>', html))
    models = dict(re.findall(r'<th scope="row" id="([\w-]+)">\s*<a [^>]*>([^<]+)</a>', html))
    assert sections["authtoken"] == "API keys"
    assert models["authtoken-tokenproxy"] == "API keys"
    assert (sections["tokens"], models["tokens-token"]) == ("Tokens", "Tokens")
    assert "Auth Token" not in html
    listing = boss.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    assert title(listing.content.decode()) == "Select API key to change | OPD Token admin"
    assert ApiToken._meta.verbose_name_plural == "API keys"


def test_the_rename_needs_no_migration(db):
    # Exits 1 if the authtoken models' state differs from their migrations.
    call_command("makemigrations", "authtoken", check=True, dry_run=True, verbosity=0)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/password_change/",
        "/admin/scheduling/doctor/",
        "/admin/scheduling/doctor/add/",
        "/admin/authtoken/tokenproxy/",
    ],
)
def test_every_admin_page_names_our_icon(boss, path):
    page = boss.get(path)
    assert page.status_code == 200
    assert ICON in page.content.decode()


def test_favicon_ico_leads_to_the_svg_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
