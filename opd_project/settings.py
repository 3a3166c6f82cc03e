"""Settings for OPD Token, read from the environment.

Every value that differs between a laptop and a hospital server comes from an
environment variable; the helpers below fail loudly on a value they cannot read,
so a typo in production stops the start instead of silently using a default.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path

import dj_database_url
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("OPD_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    # Demo/test only: a fixed key so that the quick start works with nothing set.
    # Its "django-insecure-" prefix makes `check --deploy` flag it (security.W009).
    SECRET_KEY = "django-insecure-opd-demo-key-change-me-in-production-0123456789"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "opd_project.apps.OpdProjectConfig",  # names authtoken's tokens "API keys" in the admin
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_tasks",  # Django's Tasks API (backport); its queue is a table: django_tasks_db
    "django_tasks_db",
    "scheduling",
    "tokens",
    "analytics",
    "notifications",
    "simulation",
]

MIDDLEWARE = [
    "opd_project.request_id.request_id_middleware",  # first: every log line has the id
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: DRF's JSON parser would read past Django's limit.
    "opd_project.request_limits.request_body_limit_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # DEBUG only: Django's own debug pages may style and script inline (docs/security.md).
    "opd_project.debug_pages.debug_pages_csp_middleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opd_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tokens.pages.context_processors.nav",
            ],
        },
    },
]

WSGI_APPLICATION = "opd_project.wsgi.application"

# The booking's and the screens' few hot statements are prepared once per connection
# (opd_project/postgresql/base.py). Off for a pooler in transaction mode that cannot
# keep prepared statements (PgBouncer before 1.21).
OPD_DB_PREPARE = env_bool("OPD_DB_PREPARE", True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks: a kept connection that died (database restart, failover) is
    # replaced at the next request instead of failing it.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that asks the server only when the socket
        # says something happened (opd_project/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "opd_project.postgresql"
        # Overridable so that several checkouts can run their suites side by side.
        DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("OPD_TEST_DB", "test_opd")
else:
    # The embedded default: IMMEDIATE transactions take the write lock at BEGIN,
    # so two desks booking at once queue behind the busy timeout instead of one
    # failing with "database is locked" halfway through an allocation.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True
# What patients read — the hall display, the slip, the status page and their messages —
# in English or Hindi (locale/hi/LC_MESSAGES/django.po); staff pages stay English.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed names (css/opd.3f2a….css, cached as immutable by WhiteNoise)
# from `collectstatic` output. The manifest storage cannot render a page without that
# output, so DEBUG (`make run`) and the test suite (tests/conftest.py) use plain names.
OPD_STATIC_MANIFEST = env_bool("OPD_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if OPD_STATIC_MANIFEST
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- HTTPS, cookies and headers (docs/security.md) ---
# On whenever DEBUG is off, so a production start cannot forget them; each has its own
# variable to turn it off. The test suite runs with DEBUG off over plain HTTP and opts
# out in tests/conftest.py.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer probes /healthz over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading binds the whole domain to HTTPS in browsers for months and is hard to undo:
# the hospital's domain owner decides. Off unless asked for, and check --deploy is told
# that this is a decision, not an oversight.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = env_bool("DJANGO_SESSION_COOKIE_HTTPONLY", True)
SECURE_CONTENT_TYPE_NOSNIFF = env_bool("DJANGO_SECURE_CONTENT_TYPE_NOSNIFF", True)
X_FRAME_OPTIONS = env_str("DJANGO_X_FRAME_OPTIONS", "DENY")
SECURE_REFERRER_POLICY = env_str("DJANGO_SECURE_REFERRER_POLICY", "same-origin")
# Behind a TLS-terminating proxy every request reaches Django as plain HTTP. Believe the
# proxy's X-Forwarded-Proto only when told that a proxy sets it (and drops a client's
# own): otherwise any client could claim HTTPS.
OPD_BEHIND_PROXY = env_bool("OPD_BEHIND_PROXY", False)
if OPD_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies that append to X-Forwarded-For: the client's address is that many entries from
# the right (opd_project/client_ip.py). 0: the connection's own address.
OPD_PROXY_COUNT = env_int("OPD_PROXY_COUNT", 1 if OPD_BEHIND_PROXY else 0)

# --- Content-Security-Policy (django-csp) ---
# Only our own files run or style a page: no inline script, style or event handler in
# any template (htmx is configured in base.html not to inject its own <style> nor eval).
# data: images are the admin's and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- sign-in lockout (django-axes), for /login/, /admin/ and POST /api/v1/auth/token/ ---
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a session's user and roles in one query.
    "tokens.auth_backends.RolesBackend",
]
AXES_FAILURE_LIMIT = env_int("OPD_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("OPD_LOGIN_LOCKOUT_MINUTES", 15))
# Per username *and* address. Per username alone, anyone on the internet could lock a
# receptionist out mid-shift by failing on purpose; per address alone, one mistyping
# colleague would lock out every desk behind the hospital's single NAT address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout ends a fixed time after the failure that caused it (what the page says),
# however often someone tries meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "tokens.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "opd_project.client_ip.client_ip"
# No "AXES: BEGIN" line at the start of every command (cron runs one a minute).
AXES_VERBOSE = False

# --- cache: the API's throttle counters ---
# Redis when OPD_REDIS_URL is set, shared by every gunicorn worker. Without it each
# process counts alone (LocMemCache): right for one process, but with N workers a
# portal client gets N times its rate.
OPD_REDIS_URL = env_str("OPD_REDIS_URL", "")
if OPD_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": OPD_REDIS_URL,
        }
    }
    # Sessions read from Redis, written through to the database: a screen's poll
    # (every 5 s, docs/pages.md) costs no session query. Without Redis each worker
    # would keep its own copy, and a sign-out would not reach the others.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Bookings one portal client may make (POST /api/v1/tokens/): "N/s|min|hour|day" or "off".
OPD_PORTAL_BOOKING_RATE = env_str("OPD_PORTAL_BOOKING_RATE", "60/min")
if not re.fullmatch(r"off|\d+/(s|sec|second|m|min|minute|h|hour|d|day)", OPD_PORTAL_BOOKING_RATE):
    raise ImproperlyConfigured(
        f"OPD_PORTAL_BOOKING_RATE={OPD_PORTAL_BOOKING_RATE!r}: use e.g. 60/min, or off"
    )

# --- request size ---
# A booking is a few hundred bytes and the admin's biggest form a few KiB; a larger
# body is refused with 413 before anything reads it (opd_project/request_limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OPD_MAX_REQUEST_BYTES", 64 * 1024)

# --- allocation policy knobs (docs/allocation.md) ---
# How often one token may be bumped to a later slot: the starvation guard of rule 3.
OPD_MAX_DISPLACEMENTS = env_int("OPD_MAX_DISPLACEMENTS", 1)
# Minutes after a slot's end before a never-checked-in token becomes a no-show (rule 7).
OPD_NO_SHOW_GRACE_MINUTES = env_int("OPD_NO_SHOW_GRACE_MINUTES", 15)

# --- patients (docs/allocation.md, "Patients: one phone, several people") ---
# The region a phone number typed without a country code belongs to: every phone
# is stored in E.164 after parsing with it (tokens.patients.phone_normalise).
OPD_PHONE_REGION = env_str("OPD_PHONE_REGION", "IN").strip().upper()
if OPD_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"OPD_PHONE_REGION={OPD_PHONE_REGION!r} is not a region code (e.g. IN, GB, US)"
    )

# --- the hospital, on the token slip (templates/tokens/slip.html) ---
OPD_HOSPITAL_NAME = env_str("OPD_HOSPITAL_NAME", "").strip() or "City Hospital"
# A static file's path (img/logo.svg), or an image's address (/media/logo.png,
# https://…); empty: no logo.
OPD_HOSPITAL_LOGO = env_str("OPD_HOSPITAL_LOGO", "").strip()
if re.match(r"(?i)https?:", OPD_HOSPITAL_LOGO):
    _logo_site = re.fullmatch(r"(?i)(https?://[^/?#\s]+)([/?#]\S*)?", OPD_HOSPITAL_LOGO)
    if _logo_site is None:
        raise ImproperlyConfigured(f"OPD_HOSPITAL_LOGO={OPD_HOSPITAL_LOGO!r} is not a URL")
    # The policy allows images from this site only: and from the logo's site.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_logo_site[1])

# --- what patients see (docs/pages.md): the hall display, the slip, the status page ---
# The language of the hall display and the slip unless ?lang= says otherwise; the
# status page follows the patient's browser (Accept-Language) and its own switch.
OPD_PATIENT_LANGUAGE = env_str("OPD_PATIENT_LANGUAGE", "en").strip().lower()
if OPD_PATIENT_LANGUAGE not in {"en", "hi"}:
    raise ImproperlyConfigured(f"OPD_PATIENT_LANGUAGE={OPD_PATIENT_LANGUAGE!r}: use en or hi")
# Requests per client address to the status page (GET; a poll answered 304 is free)
# and to its cancel button (POST): "N/s|min|hour|day" or "off"; then 429.
OPD_STATUS_RATE = env_str("OPD_STATUS_RATE", "60/min")
OPD_STATUS_CANCEL_RATE = env_str("OPD_STATUS_CANCEL_RATE", "10/min")
for _name in ("OPD_STATUS_RATE", "OPD_STATUS_CANCEL_RATE"):
    if not re.fullmatch(r"off|\d+/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_name]):
        raise ImproperlyConfigured(f"{_name}={globals()[_name]!r}: use e.g. 60/min, or off")

# --- notifications: the outbox and its delivery (docs/notifications.md) ---
# Django's Tasks API on the database backend (django-tasks-db's, enqueueing with one
# INSERT: notifications/backend.py): `manage.py db_worker` runs the queue.
# Enqueueing writes a row in the caller's transaction: a rolled-back change leaves
# no task behind, a committed one never loses its task.
TASKS = {
    "default": {"BACKEND": "notifications.backend.DatabaseBackend", "QUEUES": ["default"]},
}
# The language of the messages (a department's own default may come later).
OPD_NOTIFY_LANGUAGE = env_str("OPD_NOTIFY_LANGUAGE", "en").strip().lower()
if OPD_NOTIFY_LANGUAGE not in {"en", "hi"}:
    raise ImproperlyConfigured(f"OPD_NOTIFY_LANGUAGE={OPD_NOTIFY_LANGUAGE!r}: use en or hi")
# A doctor running at least this late is worth a message to every waiting patient.
OPD_DELAY_NOTICE_MINUTES = env_int("OPD_DELAY_NOTICE_MINUTES", 15)
# Attempts per message before it is dead (retried 30 s × 2^n apart, at most 30 min).
OPD_NOTIFY_MAX_ATTEMPTS = env_int("OPD_NOTIFY_MAX_ATTEMPTS", 6)
# A message left "sending" this long (its worker died) is sent again, as a new attempt.
OPD_NOTIFY_SENDING_TIMEOUT = env_int("OPD_NOTIFY_SENDING_TIMEOUT", 300)
# The address patients reach the site at (https://opd.hospital.example), for the live
# status link in messages; unset, messages carry no link.
OPD_PUBLIC_URL = env_str("OPD_PUBLIC_URL", "").strip().rstrip("/")
if OPD_PUBLIC_URL and not re.fullmatch(r"(?i)https?://[^/?#\s]+(/[^?#\s]*)?", OPD_PUBLIC_URL):
    raise ImproperlyConfigured(f"OPD_PUBLIC_URL={OPD_PUBLIC_URL!r} is not an http(s) address")
# SMS: the console backend logs each message (phone masked); the HTTP gateway posts it.
OPD_SMS_BACKEND = env_str("OPD_SMS_BACKEND", "notifications.channels.ConsoleSMSBackend")
OPD_SMS_GATEWAY_URL = env_str("OPD_SMS_GATEWAY_URL", "")
# One header line, "Name: value", e.g. "Authorization: Bearer abc…".
OPD_SMS_GATEWAY_AUTH_HEADER = env_str("OPD_SMS_GATEWAY_AUTH_HEADER", "")
# JSON body; the placeholders {to}, {text} and {idempotency_key} in its strings are filled.
OPD_SMS_GATEWAY_BODY = env_str(
    "OPD_SMS_GATEWAY_BODY",
    '{"to": "{to}", "text": "{text}", "idempotency_key": "{idempotency_key}"}',
)
try:
    json.loads(OPD_SMS_GATEWAY_BODY)
except ValueError:
    raise ImproperlyConfigured(
        f"OPD_SMS_GATEWAY_BODY is not JSON: {OPD_SMS_GATEWAY_BODY!r}"
    ) from None
OPD_SMS_GATEWAY_TIMEOUT = env_int("OPD_SMS_GATEWAY_TIMEOUT", 10)
OPD_WEBHOOK_TIMEOUT = env_int("OPD_WEBHOOK_TIMEOUT", 10)
for _name in ("OPD_NOTIFY_MAX_ATTEMPTS", "OPD_SMS_GATEWAY_TIMEOUT", "OPD_WEBHOOK_TIMEOUT"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
if max(OPD_SMS_GATEWAY_TIMEOUT, OPD_WEBHOOK_TIMEOUT) >= OPD_NOTIFY_SENDING_TIMEOUT:
    raise ImproperlyConfigured(
        "OPD_NOTIFY_SENDING_TIMEOUT must be longer than OPD_SMS_GATEWAY_TIMEOUT and "
        "OPD_WEBHOOK_TIMEOUT: a message still being sent would be sent again"
    )

# --- REST API (docs/api.md) ---
REST_FRAMEWORK = {
    # Portal clients and integrations send "Authorization: Token …"; staff may use
    # their session (CSRF stays enforced for it).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: a view that forgets its permission is staff-only, not public.
    "DEFAULT_PERMISSION_CLASSES": ["tokens.api.permissions.IsStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("OPD_API_PAGE_SIZE", 50),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tokens.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OPD Token API",
    "DESCRIPTION": "Outpatient token desk: departments, doctors, slots and tokens. "
    'Errors are {"code", "detail", …}; see the README\'s API section.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TokenStatusEnum": "tokens.models.Status",
        "SourceEnum": "tokens.models.Source",
        "SlotStatusEnum": "tokens.api.serializers.SLOT_STATUSES",
    },
}

# --- logs (docs/production.md, "Logs") ---
# One line per record on stderr, with the request id, phone numbers masked.
# JSON for the log collector in production; plain lines in the terminal of `make run`.
OPD_LOG_FORMAT = env_str("OPD_LOG_FORMAT", "text" if DEBUG else "json")
if OPD_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"OPD_LOG_FORMAT={OPD_LOG_FORMAT!r}: use json or text")
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "opd_project.log.RequestContextFilter"},
        "mask_phones": {"()": "opd_project.log.MaskPhonesFilter"},
    },
    "formatters": {
        "json": {"()": "opd_project.log.JsonFormatter"},
        "text": {"()": "opd_project.log.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": OPD_LOG_FORMAT,
            # In this order: the id is known before the masking looks at every field.
            "filters": ["request_context", "mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own handlers (console when DEBUG, mail_admins) would print a second,
    # unmasked copy of its records: they go through the one handler above only.
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}
