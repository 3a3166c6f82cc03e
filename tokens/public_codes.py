"""The token's public code: the short, unguessable id in the patient's status link
``/t/<code>/`` (docs/pages.md, "The patient's status page").

The code is the token's UUID — 16 random bytes (122 random bits of a version 4
UUID) — written in base64url without padding: 22 characters of ``A–Z a–z 0–9 - _``.
It is derived, not stored: no new column, and the same token always has the same
code. Guessing one is as hopeless as guessing the UUID; the status page is also
rate-limited per client address. Anyone holding the code sees that token's status
(never the patient's name or phone) and may cancel it while it is still waiting.

``status_url(token)`` is the absolute link the slip's QR code, the SMS texts and the
portal hand to the patient."""

import base64
import binascii
import re
import uuid

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from tokens.models import Token

# Exactly what token_public_code writes: 22 base64url characters, the last one
# carrying only 2 bits of the UUID (so one of A, Q, g, w).
_CODE = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")


def token_public_code(token: Token) -> str:
    """The 22-character code of ``token`` (base64url of its UUID's 16 bytes)."""
    return base64.urlsafe_b64encode(token.id.bytes).rstrip(b"=").decode("ascii")


def public_code_uuid(code: str) -> uuid.UUID | None:
    """The token id ``code`` stands for, or None for anything that is not exactly
    a code ``token_public_code`` could have written (no second spelling of one id)."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(code + "=="))
    except (binascii.Error, ValueError):
        return None


def token_from_public_code(code: str) -> Token | None:
    """The token of ``code`` (with its patient, slot, doctor and department), or
    None for an unknown or malformed code."""
    token_id = public_code_uuid(code)
    if token_id is None:
        return None
    return (
        Token.objects.select_related("patient", "slot", "day__doctor__department")
        .filter(pk=token_id)
        .first()
    )


def status_path(token: Token) -> str:
    """``/t/<code>/``: the status page of ``token`` on this site."""
    return reverse("token_status", kwargs={"code": token_public_code(token)})


def status_url(token: Token, request: HttpRequest | None = None) -> str:
    """The absolute link of ``token``'s status page: on ``OPD_PUBLIC_URL`` (the
    address patients reach the site at), else on the address ``request`` came to.

    For the slip's QR code and the patients' messages (notifications import it)."""
    path = status_path(token)
    public = (getattr(settings, "OPD_PUBLIC_URL", "") or "").strip().rstrip("/")
    if public:
        return public + path
    if request is not None:
        return request.build_absolute_uri(path)
    raise ValueError("Set OPD_PUBLIC_URL: a status link needs the site's public address.")
