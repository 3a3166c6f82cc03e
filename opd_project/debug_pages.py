"""Django's own debug pages under the Content-Security-Policy (DEBUG only).

With DEBUG on, Django answers an error with a page of its own: the technical 404
and 500 pages, the CSRF failure page (403) and a technical 400. They style and
script themselves inline, which the policy forbids (docs/security.md). django-csp
already sends no policy at all with a 404 or 500 under DEBUG; this middleware lets
the others keep theirs, with inline style and script allowed for that one response.
Never with DEBUG off, never for our own pages: it recognises Django's debug pages
by the robots tag that only their templates carry."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# In the <head> of technical_404.html, technical_500.html and csrf_403.html.
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'
RELAXED = {"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]}


def is_debug_page(response: HttpResponse) -> bool:
    return (
        response.status_code >= 400
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and DEBUG_PAGE_MARK in response.content[:2048]
    )


def debug_pages_csp_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """Below django-csp's middleware, so that it sees the relaxation."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if settings.DEBUG and is_debug_page(response):
            response._csp_update = RELAXED
        return response

    return middleware
