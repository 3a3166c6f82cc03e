"""The client's IP address, for the sign-in lockout (``AXES_CLIENT_IP_CALLABLE``).

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address, so every sign-in
would seem to come from one machine. Each proxy appends the address it saw to
``X-Forwarded-For``; entries further left were written by the client and may be
forged. So with ``OPD_PROXY_COUNT = n`` the client is the n-th entry from the
right, the last one our own proxies vouch for.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    count = settings.OPD_PROXY_COUNT
    if count <= 0:
        return request.META.get("REMOTE_ADDR")
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        # Not through all our proxies (a direct hit on the app server): its own address.
        return request.META.get("REMOTE_ADDR")
    return forwarded[-count]
