"""What a locked-out sign-in gets: the 429 page, or the API's JSON error.

django-axes counts failed sign-ins per username and address (settings, "sign-in
lockout") and calls ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``) for the
login page and the admin's; ``AuthTokenApi`` calls it for the API. Both say how
long the lockout still lasts, in words and in ``Retry-After``.
"""

import math
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def lockout_seconds_left(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Seconds until this username may sign in from this address again (at least 1).

    The lockout ends ``AXES_COOLOFF_TIME`` after the last recorded failure: failures
    made while locked out are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    AxesProxyHandler.update_request(request)
    cool_off = settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials), ip_address=request.axes_ip_address
    ).aggregate(last=Max("attempt_time"))["last"]
    ends = (last or timezone.now()) + cool_off
    return max(1, math.ceil((ends - timezone.now()).total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}."


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with ``Retry-After``: ``{"code": "locked_out", …}`` under /api/, else the page."""
    seconds = lockout_seconds_left(request, credentials)
    detail = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": "locked_out", "detail": detail}, status=429)
    else:
        context = {"detail": detail, "failure_limit": settings.AXES_FAILURE_LIMIT}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
