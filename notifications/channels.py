"""How a message leaves: SMS backends (``settings.OPD_SMS_BACKEND``) and portal webhooks.

An SMS backend is a class with ``send(*, to, text, idempotency_key)`` that returns
when the message is accepted and raises ``DeliveryError`` when it is not (the
attempt failed: it is retried) or ``PermanentError`` (it never will be: dead at
once). Two are here:

- ``ConsoleSMSBackend`` (the default): logs the text on ``opd.notify``, the phone
  masked — development, and a hospital without an SMS contract yet;
- ``HttpSMSBackend``: posts JSON to a gateway (``OPD_SMS_GATEWAY_*``).

HTTP goes through the standard library (urllib): no redirect is followed (a 3xx is
a failed attempt, never a POST replayed elsewhere), anything but 2xx or a timeout
is a failed attempt. Nothing here writes to the database.
"""

import hashlib
import hmac
import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("opd.notify")

# Anything phone-like in a gateway's answer is masked before it is stored or logged
# (the project's log filter masks the same way: +91******5678).
_PHONE = re.compile(r"(?<![\w+-])(\+?)(\d{7,15})(?![\w-])")


class DeliveryError(Exception):
    """This attempt failed; a later one may succeed."""


class PermanentError(DeliveryError):
    """No attempt can ever succeed (no address to send to): the message is dead."""


def mask_phone(text: str) -> str:
    """``+919812345678`` → ``+91******5678``, wherever a phone number appears."""

    def hide(match: re.Match) -> str:
        plus, digits = match.groups()
        front = 2 if plus and len(digits) >= 10 else 0
        return plus + digits[:front] + "*" * (len(digits) - front - 4) + digits[-4:]

    return _PHONE.sub(hide, text)


# --------------------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST ``body`` to ``url``; the status when it is 2xx, else ``DeliveryError``."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(64 * 1024)
            status = response.status
    except urllib.error.HTTPError as exc:
        answer = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(mask_phone(f"HTTP {exc.code} from {_site(url)}: {answer}")) from None
    except TimeoutError:
        raise DeliveryError(f"No answer from {_site(url)} within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DeliveryError(f"No answer from {_site(url)} within {timeout:g} s") from None
        raise DeliveryError(f"Cannot reach {_site(url)}: {reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise DeliveryError(f"Cannot post to {_site(url)}: {type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {_site(url)}")
    return status


def _site(url: str) -> str:
    """The scheme and host of ``url``: never its path or query (a key may be there)."""
    match = re.match(r"(?i)([a-z][a-z0-9+.-]*://[^/?#]*)", url)
    return match[1] if match else "the gateway"


# --------------------------------------------------------------------------- SMS


class ConsoleSMSBackend:
    """Logs each SMS on ``opd.notify`` instead of sending it; the phone masked."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        logger.info(
            "sms to %s: %s",
            mask_phone(to),
            text,
            extra={"idempotency_key": idempotency_key},
        )


class HttpSMSBackend:
    """Posts each SMS to ``OPD_SMS_GATEWAY_URL``.

    The body is ``OPD_SMS_GATEWAY_BODY``, JSON whose string values may hold the
    placeholders ``{to}``, ``{text}`` and ``{idempotency_key}`` (filled after the
    JSON is parsed, so a quote in a message cannot break it). The request also
    carries ``Idempotency-Key`` and, when set, ``OPD_SMS_GATEWAY_AUTH_HEADER``
    ("Name: value")."""

    def __init__(self) -> None:
        self.url = settings.OPD_SMS_GATEWAY_URL
        if not self.url:
            raise DeliveryError("OPD_SMS_GATEWAY_URL is not set.")
        self.template = json.loads(settings.OPD_SMS_GATEWAY_BODY)
        self.timeout = settings.OPD_SMS_GATEWAY_TIMEOUT
        self.headers = {}
        auth = settings.OPD_SMS_GATEWAY_AUTH_HEADER
        if auth:
            name, sep, value = auth.partition(":")
            if not sep or not name.strip():
                raise DeliveryError('OPD_SMS_GATEWAY_AUTH_HEADER must read "Name: value".')
            self.headers[name.strip()] = value.strip()

    def body(self, *, to: str, text: str, idempotency_key: str) -> bytes:
        values = {"{to}": to, "{text}": text, "{idempotency_key}": idempotency_key}
        return json.dumps(_fill(self.template, values), ensure_ascii=False).encode()

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        post_json(
            self.url,
            self.body(to=to, text=text, idempotency_key=idempotency_key),
            {**self.headers, "Idempotency-Key": idempotency_key},
            timeout=self.timeout,
        )


def _fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        for placeholder, value in values.items():
            template = template.replace(placeholder, value)
        return template
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    return template


def sms_backend():
    """A fresh instance of ``settings.OPD_SMS_BACKEND``."""
    return import_string(settings.OPD_SMS_BACKEND)()


# --------------------------------------------------------------------------- webhooks


def sign(secret: str, body: bytes) -> str:
    """``X-OPD-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(*, url: str, secret: str, payload: dict[str, Any], idempotency_key: str) -> None:
    """Post ``payload`` signed with ``secret``; its ``timestamp`` goes in a header too."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "X-OPD-Signature": sign(secret, body),
        "X-OPD-Timestamp": str(payload["timestamp"]),
        "X-OPD-Event-Id": payload["event_id"],
        "Idempotency-Key": idempotency_key,
        "User-Agent": "OPD-Token-Webhooks/1",
    }
    post_json(url, body, headers, timeout=settings.OPD_WEBHOOK_TIMEOUT)
