"""Request ids: one id per request, on every log line it causes and in its response.

A load balancer or the portal may send ``X-Request-ID``; we keep it when it is a
plain token, so one id follows the request through every hop. Otherwise we make
one. The id travels in a context variable, so code far from the view (the engine's
after-commit log lines) can log it without being handed the request.
"""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Strict on purpose: the id is copied into logs and a response header, so nothing
# that could split a log line or a header gets through.
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
NO_REQUEST = "-"

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being handled, or ``"-"`` outside a request."""
    return _current.get()


def request_id_for(request: HttpRequest) -> str:
    """The client's ``X-Request-ID`` if it is 1–64 of ``[A-Za-z0-9._-]``, else a new one."""
    given = request.headers.get(HEADER, "")
    return given if VALID_ID.match(given) else uuid.uuid4().hex


def request_id_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """First in MIDDLEWARE: every later middleware and view logs with the id."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        # Django logs 4xx responses after the middleware chain has returned; the
        # log filter finds the id on the request then (see opd_project.log).
        request.request_id = request_id
        reset = _current.set(request_id)
        try:
            response = get_response(request)
        finally:
            _current.reset(reset)
        response[HEADER] = request_id
        return response

    return middleware
