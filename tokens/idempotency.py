"""Idempotent requests: a retried ``POST /tokens/`` never issues a second token.

A client that did not see the answer to a booking (timeout, dropped connection)
sends the same request again with the same ``Idempotency-Key``; it gets the first
answer back. The guarantee rests on the unique (client, key) index, not on a
read-then-write check, so it holds for identical requests arriving at once.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from tokens import errors
from tokens.models import IdempotencyRecord


class IdempotencyKeyReused(errors.TokenError):
    code = "idempotency_key_reused"
    status = 422
    default_detail = "This Idempotency-Key was already used for a different request."


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(data: Any) -> str:
    """A stable digest of a request body, to tell a retry from a different request."""
    canonical = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _as_json(body: dict[str, Any]) -> dict[str, Any]:
    # The first caller gets exactly what a replay will get: plain JSON values.
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _replay(client, key: str, fingerprint: str) -> StoredResponse | None:
    record = IdempotencyRecord.objects.filter(client=client, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return StoredResponse(record.response_status, record.response_body, replayed=True)


def idempotent_call(
    *,
    client,
    key: str,
    fingerprint: str,
    produce: Callable[[], tuple[int, dict[str, Any]]],
) -> StoredResponse:
    """Run ``produce`` once per (client, key) and store its response.

    ``produce`` returns (status, body). A ``TokenError`` it raises is the response
    too (a retry of a refused booking is refused the same way) and everything it
    wrote is rolled back. A key reused with a different body raises
    ``IdempotencyKeyReused``.
    """
    stored = _replay(client, key, fingerprint)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    status, body = produce()
            except errors.TokenError as exc:
                status, body = exc.status, exc.as_dict()
            body = _as_json(body)
            # Inserted after ``produce``, whose first statement takes the doctor-day
            # lock: every booking takes its locks in the same order. A concurrent twin
            # waits on that lock, books, then fails here on the unique index, which
            # rolls its token back, and replays our answer.
            IdempotencyRecord.objects.create(
                client=client,
                key=key,
                fingerprint=fingerprint,
                response_status=status,
                response_body=body,
            )
    except IntegrityError:
        stored = _replay(client, key, fingerprint)
        if stored is None:  # the twin rolled back after all: nothing to replay
            raise
        return stored
    return StoredResponse(status, body, replayed=False)
