"""One log line per token event, on logger ``opd.tokens``, once the change commits.

The audit trail (``TokenEvent``) is the record; these lines let operators follow
the desk in the logs with the request id that caused each change. They carry ids,
numbers and statuses only: never the patient's name or phone.
"""

import contextvars
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from tokens.models import TokenEvent

logger = logging.getLogger("opd.tokens")


def event_fields(event: TokenEvent) -> dict[str, Any]:
    """The logged fields of one event (its token and cause are already in memory)."""
    return {
        "event": event.kind,
        "event_id": event.pk,
        "token": event.token.number,
        "token_id": str(event.token_id),
        "day_id": event.day_id,
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "from_slot": event.from_slot_id,
        "to_slot": event.to_slot_id,
        "actor": event.actor_id,
        "caused_by": event.caused_by.number if event.caused_by_id else None,
    }


def log_events_on_commit(events: Iterable[TokenEvent]) -> None:
    """Log each event after the transaction commits; a rollback logs nothing.

    The fields are read now, while they describe this change: the same token
    objects may change again before the commit. The lines are emitted in the
    context of the change too, so they carry the request id that caused it."""
    lines = [(f"token {event.kind.replace('_', ' ')}", event_fields(event)) for event in events]
    context = contextvars.copy_context()

    def emit() -> None:
        for message, fields in lines:
            logger.info(message, extra=fields)

    # robust: a log line must never turn a committed booking into an error.
    transaction.on_commit(lambda: context.run(emit), robust=True)
