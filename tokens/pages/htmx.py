"""The few HTMX idioms every page view shares.

``request.htmx`` is the only switch between a full page and a fragment: a view
renders ``template`` for a normal request and ``template#partial`` for htmx.
Rule conflicts raised by the engine (``TokenError``) become an inline error
fragment carrying the engine's own message — the same words the API returns.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget, trigger_client_event

from tokens.errors import TokenError

# Statuses the browser swaps in as an inline error (see the htmx-config meta tag in
# base.html). Other 4xx/5xx responses are Django's own pages and are not swapped:
# static/js/opd.js shows a notice instead.
INLINE_ERROR_STATUSES = (400, 409, 422)


def inline_status(exc: TokenError) -> int:
    """The HTTP status of an inline error: the engine's own when it is one the
    browser swaps (400 bad input, 409 conflict), else 422."""
    return exc.status if exc.status in INLINE_ERROR_STATUSES else 422


def render_page_or_partial(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only ``template#partial`` for an htmx request."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def token_error_fragment(
    request: HttpRequest, exc: TokenError, *, target: str, context: dict[str, Any] | None = None
) -> HttpResponse:
    """An inline error box for an htmx action, swapped into ``target`` (a CSS
    selector) whatever the element that sent the request."""
    response = render(
        request,
        "tokens/_error.html",
        {"error": exc, **(context or {})},
        status=inline_status(exc),
    )
    response = retarget(response, target)
    return reswap(response, "innerHTML")


def announce(response: HttpResponse, event: str, **detail: Any) -> HttpResponse:
    """Fire ``event`` (a camelCase past-tense fact, e.g. ``tokenChanged``) in the
    browser: regions listening with ``hx-trigger="tokenChanged from:body"`` refresh."""
    return trigger_client_event(response, event, detail or {})
