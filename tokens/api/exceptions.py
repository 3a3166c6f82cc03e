"""The one exception handler of the API: every error is ``{"code", "detail", ...}``.

Domain errors (``tokens.errors.TokenError``) carry their own code and status;
DRF's and Django's exceptions are mapped onto the codes of docs/api.md, so a
client can switch on ``code`` without parsing English.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from tokens.errors import TokenError

logger = logging.getLogger("opd.api")

# DRF exception class -> our machine code; anything else keeps DRF's default_code.
_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "validation_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
]


def _code_for(exc: exceptions.APIException) -> str:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return str(exc.default_code)


def _fields(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return detail
        return {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    # A body that is not JSON at all: say so in the same shape as a bad field.
    return {"non_field_errors": [str(exc.detail)]}


def _summary(fields: dict[str, Any]) -> str:
    names = [name for name in fields if name != "non_field_errors"]
    if not names:
        first = fields.get("non_field_errors") or ["The request is not valid."]
        return str(first[0]) if isinstance(first, list) and first else str(first)
    return "Check these fields: " + ", ".join(names) + "."


def error_response(exc: exceptions.APIException) -> Response:
    """The JSON error response for a DRF exception."""
    code = _code_for(exc)
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if code == "validation_error":
        fields = _fields(exc)
        body = {"code": code, "detail": _summary(fields), "fields": fields}
    else:
        body = {"code": code, "detail": str(exc.detail)}
    return Response(body, status=exc.status_code, headers=headers)


def log_api_error(request: Any, response: Response) -> Response:
    """Log one line on ``opd.api`` for an error answer (status, code, method, path)."""
    level = logging.ERROR if response.status_code >= 500 else logging.WARNING
    data = response.data if isinstance(response.data, dict) else {}
    logger.log(
        level,
        "api error",
        extra={
            "status": response.status_code,
            "code": data.get("code"),
            "method": request.method,
            "path": request.path,
        },
    )
    # Django would log the same answer again as e.g. "Conflict: /api/v1/tokens/".
    response._has_been_logged = True
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: the error format of docs/api.md everywhere."""
    if isinstance(exc, TokenError):
        set_rollback()
        return log_api_error(context["request"], Response(exc.as_dict(), status=exc.status))
    if isinstance(exc, DjangoValidationError):
        # Model ``full_clean`` in a service: the same 400 as a serializer error.
        detail = as_serializer_error(exc)
        if "__all__" in detail:
            detail["non_field_errors"] = detail.pop("__all__")
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    # Mirror DRF's own handler, for a project that later enables ATOMIC_REQUESTS.
    set_rollback()
    return log_api_error(context["request"], error_response(exc))
