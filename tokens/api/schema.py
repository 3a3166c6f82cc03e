"""OpenAPI helpers: the error responses each operation documents."""

from drf_spectacular.utils import OpenApiResponse

from tokens.api.serializers import ErrorSerializer

_MEANING = {
    400: "validation_error: the input is not valid (see `fields`).",
    401: "not_authenticated: no or a bad `Authorization: Token …` header.",
    403: "permission_denied (role), or source_not_allowed (a source the portal may not issue).",
    404: "not_found: no such object, or not one this client may see.",
    405: "method_not_allowed.",
    409: "A rule conflict: slot_full (with `alternatives`), slot_ended, slot_closed, "
    "day_cancelled, day_closed, no_open_slot, duplicate_token (with the existing `id`), "
    "invalid_transition, consultation_in_progress.",
    422: "idempotency_key_reused: the key was already used for a different request body.",
    429: "throttled (a portal client over its booking rate) or locked_out (too many failed "
    "sign-ins); `Retry-After` says in how many seconds to try again.",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """``responses`` entries for the given error statuses; 401 and 403 always apply."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_MEANING[status])
        for status in sorted({401, 403, *statuses})
    }
