"""How often the online booking portal may book (``POST /api/v1/tokens/``).

Counters live in the default cache: Redis in production (``OPD_REDIS_URL``), so
every gunicorn worker counts together; see settings, "cache".
"""

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from tokens import roles


class PortalBookingThrottle(SimpleRateThrottle):
    """At most ``OPD_PORTAL_BOOKING_RATE`` bookings per portal client.

    A runaway or abused portal must not fill a day's slots in seconds; staff are
    never throttled (a desk in a rush of walk-ins must not be told to wait), and
    reads are free (the portal polls a patient's position)."""

    scope = "portal_booking"

    def get_rate(self) -> str | None:
        # Read when the throttle is made, not once at import like DRF's own rates.
        rate = settings.OPD_PORTAL_BOOKING_RATE
        return None if rate == "off" else rate

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method != "POST" or not roles.is_portal_client(request.user):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
