"""Django's own debug pages under the Content-Security-Policy (opd_project/debug_pages.py,
docs/security.md): with DEBUG on they may style and script inline, nothing else may."""

import pytest
from django.test import Client

from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def policy(response) -> str:
    return response.get("Content-Security-Policy", "")


@pytest.fixture
def strict_csrf(reception_user) -> Client:
    """A signed-in browser whose POSTs carry no CSRF token: Django refuses them (403)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(reception_user)
    return client


def test_under_debug_the_csrf_failure_page_may_style_itself(settings, strict_csrf, day):
    settings.DEBUG = True
    response = strict_csrf.post(f"/desk/days/{day.pk}/issue/", {"name": "Asha Rao"})
    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert "style-src 'self' 'unsafe-inline'" in policy(response)
    assert "script-src 'self' 'unsafe-inline'" in policy(response)
    assert "frame-ancestors 'none'" in policy(response)  # the rest of the policy stays


def test_without_debug_the_csrf_failure_page_gets_the_strict_policy(strict_csrf, day):
    response = strict_csrf.post(f"/desk/days/{day.pk}/issue/", {"name": "Asha Rao"})
    assert response.status_code == 403
    assert "'unsafe-inline'" not in policy(response)
    assert "style-src 'self'" in policy(response)


def test_under_debug_our_own_pages_and_errors_keep_the_strict_policy(settings, desk, day):
    settings.DEBUG = True
    page = desk.get(f"/desk/?doctor={day.doctor.pk}")
    refused = desk.post(f"/desk/days/{day.pk}/issue/", {"name": "", "phone": "abc"}, **HTMX)
    assert refused.status_code == 400
    for response in (page, refused):
        assert "style-src 'self'" in policy(response)
        assert "'unsafe-inline'" not in policy(response)


def test_under_debug_djangos_404_page_carries_no_policy(settings, desk):
    """django-csp's own choice for a 404 or 500 under DEBUG: their technical pages work."""
    settings.DEBUG = True
    response = desk.get("/no-such-page/")
    assert response.status_code == 404
    assert b"NONE,NOARCHIVE" in response.content
    assert policy(response) == ""
