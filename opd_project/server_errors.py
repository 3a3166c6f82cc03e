"""``handler500`` and ``handler400``: a 503 the client may retry when the database
is away, else the usual 500 or 400.

Django calls ``handler500`` inside its ``except`` block, wherever the error came
from (a view, DRF, a middleware), so ``sys.exc_info()`` tells a lost database
(``OperationalError``, ``InterfaceError``) from a bug. ``handler400`` is there for
the one place Django disguises it: a session that cannot be saved on the way out
becomes ``SessionInterrupted``, a 400. Every write runs in a transaction, so a
request that lost the database saved nothing, and saying so lets the desk and the
portal simply try again.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import server_error as html_server_error

logger = logging.getLogger("opd.db")

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
DETAIL = "The database is not reachable right now. Nothing was saved; try again in a few seconds."


def database_error(exc: BaseException | None) -> BaseException | None:
    """The database-unavailable error in ``exc``'s chain, if there is one."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            {"code": "database_unavailable", "detail": DETAIL}, status=503
        )
    else:
        # No request context: base.html's context processors would query the database.
        response = HttpResponse(render_to_string("503.html", {"detail": DETAIL}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    original = error.__cause__ or error  # the driver's error names what happened
    logger.error(
        "database unavailable",
        exc_info=error,
        extra={
            "request": request,
            "status": 503,
            "code": "database_unavailable",
            "error": f"{type(original).__name__}: {original}".strip(),
        },
    )
    # Django would log this response again as "Service Unavailable": one line is enough.
    response._has_been_logged = True
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """503 + ``Retry-After`` when the database is unavailable; otherwise the 500
    (``{"code": "server_error", ...}`` for ``/api/``, the HTML page elsewhere)."""
    error = database_error(sys.exc_info()[1])
    if error is not None:
        return _database_unavailable(request, error)
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "detail": "Something went wrong on our side; it was logged."},
            status=500,
        )
    return html_server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 503 when a lost database hides behind a 400 (a session save), else the 400."""
    error = database_error(exception)
    if error is not None:
        return _database_unavailable(request, error)
    return html_bad_request(request, exception)
