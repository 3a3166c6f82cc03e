"""Log records as operators read them: one line each, with the request id, no phones.

Named ``log`` rather than ``logging`` so it never shadows the standard module.
settings.LOGGING installs, on the one console handler:

- ``RequestContextFilter``: ``request_id`` on every record (``"-"`` outside a
  request), plus ``method`` and ``path`` when Django attached the request;
- ``MaskPhonesFilter``: anything that looks like a phone number becomes
  ``+91******5678`` in the message, string fields and tracebacks;
- ``JsonFormatter`` (``OPD_LOG_FORMAT=json``, the default without DEBUG) or ``TextFormatter``.
"""

import datetime as dt
import json
import logging
import re
from typing import Any

from opd_project.request_id import current_request_id

# What every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "request_id",
    "request",  # Django's request object: summarized as method and path instead
}

# 7–15 digits, optionally after "+", not glued to other word characters or to
# a hyphen (so UUID segments and dates stay readable).
PHONE = re.compile(r"(?<![\w+-])(\+?)(\d{7,15})(?![\w-])")


def mask_phones(text: str) -> str:
    """``+919812345678`` → ``+91******5678``: the last four digits, and the
    country code of an international number, are all a reader gets."""

    def hide(match: re.Match) -> str:
        plus, digits = match.groups()
        front = 2 if plus and len(digits) >= 10 else 0
        return plus + digits[:front] + "*" * (len(digits) - front - 4) + digits[-4:]

    return PHONE.sub(hide, text)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller passed with ``extra=`` (and the filters added)."""
    fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}
    # Django's django.request lines say status_code; ours say status. One name to query.
    if "status_code" in fields:
        fields["status"] = fields.pop("status_code")
    return fields


class RequestContextFilter(logging.Filter):
    """Put ``request_id`` (and ``method``, ``path`` when known) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if not hasattr(record, "request_id"):
            # Django logs a 4xx after the middleware has returned: the id is on the request.
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        if request is not None and hasattr(request, "method"):
            record.method = request.method
            record.path = request.path  # never the query string: a search may hold a phone
        return True


class MaskPhonesFilter(logging.Filter):
    """Mask phone numbers in the final message, string fields and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a broken format string: the handler reports it, as always
        record.msg, record.args = mask_phones(message), ()
        for key, value in extra_fields(record).items():
            if isinstance(value, str) and key != "status":
                setattr(record, key, mask_phones(value))
        if isinstance(getattr(record, "request_id", None), str):
            record.request_id = mask_phones(record.request_id)
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the masked traceback is the one printed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update(extra_fields(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a stray object in ``extra`` must not cost the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``ts LEVEL logger [request_id] message key=value …`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        fields = " ".join(f"{k}={v}" for k, v in extra_fields(record).items())
        line = super().formatMessage(record)
        return f"{line} {fields}" if fields else line
