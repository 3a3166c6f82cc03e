"""``/healthz`` for load balancers, and the JSON 404 of unknown ``/api/`` paths."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when this app server can reach the database, else 503 (no auth)."""
    try:
        _ping_database()
    except DatabaseError as exc:
        # OperationalError is a DatabaseError: the database is down or unreachable.
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: API clients get the JSON error format, people the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "No such endpoint."}, status=404)
    return page_not_found(request, exception)
