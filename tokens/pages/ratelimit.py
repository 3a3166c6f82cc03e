"""A small per-address rate limit for the public pages that take no login (the
patient's status page): N requests per window per client address, counted in the
cache (Redis with ``OPD_REDIS_URL``, shared by every worker; else per process), then
``429 Too Many Requests`` with ``Retry-After`` until the window ends.

The client's address is ``opd_project.client_ip.client_ip`` (the real client behind
``OPD_PROXY_COUNT`` proxies). A fixed window: cheap (one ``add`` and one ``incr``)
and good enough to stop a script guessing codes or hammering the database."""

import time
from collections.abc import Callable
from contextlib import suppress
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from opd_project.client_ip import client_ip

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
           "h": 3600, "hour": 3600, "d": 86400, "day": 86400}  # fmt: skip


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``"60/min"`` → (60, 60 seconds); ``"off"`` → None."""
    if rate.strip().lower() == "off":
        return None
    count, _, period = rate.strip().partition("/")
    return int(count), PERIODS[period.strip().lower()]


def _now() -> float:
    return time.time()


def _seconds_left(period: int) -> int:
    return max(1, period - int(_now()) % period)


def _count(key: str, period: int) -> int:
    """Count one more request in ``key``'s window; how many it holds now. Counted
    before the view runs, so a burst of parallel requests cannot all slip through."""
    if cache.add(key, 1, timeout=period + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired in between
        cache.add(key, 1, timeout=period + 1)
        return 1


def too_many_requests(retry_after: int) -> HttpResponse:
    response = HttpResponse(
        "Too many requests from your address. Please wait a minute and try again.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(scope: str, setting: str, *, count_not_modified: bool = True) -> Callable:
    """Limit the view to the rate in ``settings.<setting>`` per client address.

    ``count_not_modified=False``: an answer ``304 Not Modified`` (a poll of an
    unchanged page, one cheap query) does not use up the budget, so a page left
    open and polling costs a request only when something changed. A request over
    the limit is refused whatever it would have been."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            rate = parse_rate(getattr(settings, setting))
            if rate is None:
                return view(request, *args, **kwargs)
            limit, period = rate
            window = int(_now()) // period
            key = f"opd:rate:{scope}:{client_ip(request) or '-'}:{window}"
            if _count(key, period) > limit:
                return too_many_requests(_seconds_left(period))
            response = view(request, *args, **kwargs)
            if response.status_code == 304 and not count_not_modified:
                with suppress(ValueError):  # the window ended meanwhile
                    cache.decr(key)
            return response

        return wrapped

    return decorator
