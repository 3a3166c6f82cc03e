"""Screens that cost nothing when nothing changed (docs/pages.md, "Live refresh").

Every desk, doctor and hall-display region polls every 5 seconds. A poll is answered
``304 Not Modified`` after one cheap query when the doctor-days it shows have not
changed: the engine's lock bumps a day's ``version`` with every committed change
(``tokens.statements.lock_day``), and the region's ``ETag`` is that version, the
current minute (estimates and "ended" slots move with the clock), and what the
request asked for. The browser keeps the last answer (``Cache-Control: private,
no-cache``, one entry per region thanks to ``Vary: HX-Target``) and revalidates it
on every poll; htmx then swaps in the same content.

Only htmx GETs are conditional: a full page load always renders, so a message left
by a form post without JavaScript is never hidden behind a 304.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag

from tokens.pages.access import check_desk_user, check_doctor_user
from tokens.selectors import days_version

VersionOf = Callable[[HttpRequest], str | None]


def conditional_screen(version_of: VersionOf) -> Callable:
    """Answer an htmx poll with 304 while ``version_of(request)`` — None: always
    render — and the minute are unchanged; tag every rendered answer with its ETag."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "GET" or not request.htmx:
                return view(request, *args, **kwargs)
            version = version_of(request)
            if version is None:
                return view(request, *args, **kwargs)
            etag = _etag(request, version)
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
            response["ETag"] = etag
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ("HX-Request", "HX-Target"))
            return response

        return wrapped

    return decorator


def _minute() -> int:
    return int(timezone.now().timestamp() // 60)


def _etag(request: HttpRequest, version: str) -> str:
    asked = "|".join(
        (request.get_full_path(), request.htmx.target or "", str(request.user.pk), version)
    )
    digest = hashlib.blake2b(asked.encode(), digest_size=8).hexdigest()
    return quote_etag(f"{digest}-{_minute()}")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def desk_version(request: HttpRequest) -> str | None:
    """The desk's regions poll with their doctor and date in the URL; a search spans
    every doctor of the date, so it is always rendered."""
    if not request.user.is_authenticated:
        return None  # the view sends the browser to sign in
    check_desk_user(request.user)
    doctor = _int(request.GET.get("doctor"))
    if doctor is None or request.GET.get("q"):
        return None
    return days_version(date=_date(request.GET.get("date")), doctor_ids=[doctor])


def doctor_version(request: HttpRequest) -> str | None:
    """The doctor's queue of today: their own, or the one an administrator picked."""
    if not request.user.is_authenticated:
        return None  # the view sends the browser to sign in
    check_doctor_user(request.user)
    picked = _int(request.GET.get("doctor"))
    if picked is not None:
        return days_version(date=timezone.localdate(), doctor_ids=[picked])
    return days_version(date=timezone.localdate(), user_id=request.user.pk)


def display_version(request: HttpRequest) -> str | None:
    doctors = [_int(v) for v in request.GET.getlist("doctor")]
    department = _int(request.GET.get("department"))
    if None in doctors or (not doctors and department is None):
        return None
    return days_version(
        date=timezone.localdate(), doctor_ids=doctors or None, department_id=department
    )
