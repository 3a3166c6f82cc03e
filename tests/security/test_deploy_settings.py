"""Production settings: `check --deploy` is clean, static files get hashed names,
the demo secret key is flagged, and a load balancer may probe /healthz over HTTP.

The first three run manage.py in a subprocess with a production environment,
because the test process itself runs over plain HTTP (see tests/conftest.py)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py with only ``env`` set of our variables (so DEBUG off by default), on
    SQLite (DATABASE_URL unset: the checks need no database)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OPD_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "opd.hospital.example",
}


def test_check_deploy_is_clean_with_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr


def test_check_deploy_flags_the_public_demo_secret_key():
    done = manage("check", "--deploy", "--fail-level", "WARNING")  # no DJANGO_SECRET_KEY
    assert done.returncode != 0
    assert "security.W009" in done.stdout + done.stderr


def test_collectstatic_writes_hashed_names_for_long_caching(tmp_path):
    done = manage("collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(tmp_path), **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = paths["css/opd.css"]
    assert hashed != "css/opd.css" and hashed.startswith("css/opd.") and hashed.endswith(".css")
    assert (tmp_path / hashed).is_file()


@pytest.mark.django_db
def test_https_redirect_spares_healthz_for_the_load_balancer(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # made after the override: middleware reads it when loaded
    assert client.get("/healthz").status_code == 200
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
