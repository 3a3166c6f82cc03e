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

A region that did change is rendered once for every screen showing it, not once per
screen: the rendered fragment is kept in the cache (Redis with ``OPD_REDIS_URL``,
shared by every worker; else each worker's memory), keyed by what was asked (address,
``HX-Target``, language), the doctor-days' version and the minute; the one thing in
it that belongs to a person, the CSRF token of its forms, is left out (htmx sends
the page's own in a header).
Access is checked before: ``version_of`` runs the page's own role check.
"""

import datetime as dt
import gzip
import hashlib
import re
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language

from tokens.pages.access import check_desk_user, check_doctor_user
from tokens.statements import days_version

VersionOf = Callable[[HttpRequest], str | None]


# How long a shared render is kept: its key holds the minute, so it is never served
# after its minute has turned; this only bounds the memory it holds.
SHARED_SECONDS = 120
# A rendered fragment's CSRF inputs: their value is one person's. A fragment is only
# ever swapped in by htmx, whose requests carry the page's own token in a header
# (hx-headers on <body>, base.html), so a shared copy goes without them.
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
# Smaller shared answers are sent as they are: compressing them saves nothing.
GZIP_FROM_BYTES = 1024


def conditional_screen(version_of: VersionOf, *, shared: bool = True) -> Callable:
    """Answer an htmx poll with 304 while ``version_of(request)`` — None: always
    render — and the minute are unchanged; tag every rendered answer with its ETag.
    ``shared``: a region rendered for one screen is served to every screen asking
    the same of the same version (the module's docstring); off for a view whose
    answer carries more than its body (the patient's status page sets its language
    cookie)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "GET" or not request.htmx:
                return view(request, *args, **kwargs)
            version = version_of(request)
            if version is None:
                return view(request, *args, **kwargs)
            etag = screen_etag(request.get_full_path(), request.htmx.target, request, version)
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
            elif shared:
                response = _shared_render(request, version, lambda: view(request, *args, **kwargs))
            else:
                response = view(request, *args, **kwargs)
            if response.status_code not in (200, 304):
                return response
            response["ETag"] = etag
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ("HX-Request", "HX-Target"))
            return response

        return wrapped

    return decorator


def screen_etag(path: str, target: str | None, request: HttpRequest, version: str) -> str:
    """The ETag of what ``path`` answers for ``target`` to this request's user, while
    its doctor-days are at ``version`` (a page seeds its pulse's first poll with it)."""
    asked = "|".join((path, target or "", str(request.user.pk), version))
    digest = hashlib.blake2b(asked.encode(), digest_size=8).hexdigest()
    return quote_etag(f"{digest}-{_minute()}")


def _minute() -> int:
    return int(timezone.now().timestamp() // 60)


def _shared_render(
    request: HttpRequest, version: str, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The region from the shared cache, or rendered and kept there (200 answers
    that set nothing but their body: no htmx header, no cookie). Kept compressed
    too, since it holds no secret (no CSRF token; so no BREACH): a browser gets the
    200-token list in a twentieth of its size, and no worker compresses it again."""
    asked = "|".join((request.get_full_path(), request.htmx.target or "", get_language(), version))
    key = "screen:" + hashlib.blake2b(asked.encode(), digest_size=16).hexdigest()
    key += f":{_minute()}"
    kept = cache.get(key)
    if kept is None:
        response = render()
        if (
            response.status_code != 200
            or response.cookies
            or getattr(response, "streaming", False)
            or any(header.startswith("HX-") for header in response.headers)
        ):
            return response
        body = _CSRF_INPUT.sub(b"", response.content)
        packed = gzip.compress(body, mtime=0) if len(body) >= GZIP_FROM_BYTES else None
        kept = (body, packed, response["Content-Type"])
        cache.set(key, kept, SHARED_SECONDS)
    body, packed, content_type = kept
    if packed is None:
        return HttpResponse(body, content_type=content_type)
    patch_vary_headers(response := HttpResponse(content_type=content_type), ("Accept-Encoding",))
    if _accepts_gzip(request):
        response.content = packed
        response["Content-Encoding"] = "gzip"
    else:
        response.content = body
    return response


_GZIP = re.compile(r"\bgzip\b")


def _accepts_gzip(request: HttpRequest) -> bool:
    return bool(_GZIP.search(request.headers.get("Accept-Encoding", "")))


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
    return desk_day_version(
        doctor_id=_int(request.GET.get("doctor")),
        date=_date(request.GET.get("date")),
        q=request.GET.get("q"),
    )


def desk_day_version(*, doctor_id: int | None, date: dt.date, q: str | None) -> str | None:
    """The version a desk's regions and pulse are tagged with: its doctor's day; none
    (always rendered) without a doctor or for a search, which spans every doctor."""
    if doctor_id is None or q:
        return None
    return days_version(date=date, doctor_ids=[doctor_id])


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
