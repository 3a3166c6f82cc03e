"""Refuse an oversized request body before anything reads it.

Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when it parses a form itself;
DRF's JSON parser reads the raw stream and never asks. Checking the declared
``Content-Length`` here, before any view or parser runs, keeps a 1 MB "booking"
out of memory on every path. A body without a ``Content-Length`` (chunked) is
never read by Django under WSGI, so it needs no check.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def declared_length(request: HttpRequest) -> int:
    """The body size the client announced; 0 when missing or not a number."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    detail = f"The request body is larger than {limit // 1024} KiB."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "payload_too_large", "detail": detail}, status=413)
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")


def request_body_limit_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """413 for a declared body above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (None: no limit)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and declared_length(request) > limit:
            return too_large_response(request, limit)
        return get_response(request)

    return middleware
