import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from tests.factories import DAY, PatientFactory, make_day, make_user


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs with DEBUG off, the production defaults, but over plain HTTP
    (test client, live server) and without `collectstatic` output. So: no redirect
    to HTTPS, cookies a browser keeps over HTTP, plain static names, a private cache.

    Set here, before any test module is imported, and not by a fixture: handlers
    read the security settings once, when they load their middleware, and a
    module-level WSGI app (tests/api/test_schemathesis.py) or the session-wide
    live server would load it before a function-scoped override applied.
    tests/security/test_deploy_settings.py checks the real defaults in a subprocess."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    # Never a real Redis from OPD_REDIS_URL: the tests clear the cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters start at zero in every test."""
    cache.clear()


def at(hour: int, minute: int = 0, date: dt.date = DAY) -> dt.datetime:
    """An aware moment on the test day, in the hospital's time zone."""
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hour, minute)))


@pytest.fixture
def on_the_day(monkeypatch) -> dt.datetime:
    """The clock stopped at 08:00 on DAY: for tests whose patients are present, since a
    patient is checked in only on the day of their token (docs/allocation.md, rule 7)."""
    moment = at(8)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return moment


@pytest.fixture
def morning() -> dt.datetime:
    """Before the first slot of the test day."""
    return at(8, 0)


@pytest.fixture
def day(db):
    """A doctor-day with three one-hour slots (09–12) of two seats each."""
    return make_day(2, 2, 2)


@pytest.fixture
def patient(db):
    return PatientFactory()


# People, one per role (tests/pages overrides them with password-holding logins).


@pytest.fixture
def reception_user(db):
    return make_user("rita", "reception")


@pytest.fixture
def doctor_user(db):
    return make_user("dr-shah", "doctor")


@pytest.fixture
def admin_user(db):
    return make_user("anand", "admin")


@pytest.fixture
def portal_user(db):
    return make_user("portal", "portal")


@pytest.fixture
def boss(db):
    """A superuser: the administrator of the Django admin tests."""
    return get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123456")


@pytest.fixture
def admin_client(client, boss):
    """The test client signed in as ``boss`` (replaces pytest-django's own)."""
    client.force_login(boss)
    return client
