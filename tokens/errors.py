"""Domain errors of the allocation engine.

Each carries the machine code and HTTP status of the API contract (docs/api.md),
so the DRF exception handler and the HTMX pages turn them into the same message.
"""

from typing import Any


class TokenError(Exception):
    code = "conflict"
    status = 409
    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidRequest(TokenError):
    code = "validation_error"
    status = 400
    default_detail = "The request is not valid."


class NotFound(TokenError):
    code = "not_found"
    status = 404
    default_detail = "Not found."


class SlotFull(TokenError):
    code = "slot_full"
    default_detail = "That slot is full."


class SlotEnded(TokenError):
    code = "slot_ended"
    default_detail = "That slot has already ended."


class SlotClosed(TokenError):
    code = "slot_closed"
    default_detail = "That slot is closed."


class NoOpenSlot(TokenError):
    code = "no_open_slot"
    default_detail = "The doctor has no slot left today that has not ended."


class DayCancelled(TokenError):
    code = "day_cancelled"
    default_detail = "The doctor's day is cancelled."


class DayClosed(TokenError):
    code = "day_closed"
    default_detail = "The doctor's day is already closed."


class DuplicateToken(TokenError):
    code = "duplicate_token"
    default_detail = "This patient already has an active token for this doctor today."


class InvalidTransition(TokenError):
    code = "invalid_transition"
    default_detail = "That change is not possible for this token."


class ConsultationInProgress(TokenError):
    code = "consultation_in_progress"
    default_detail = "Complete the current consultation before calling the next patient."


class QueueEmpty(TokenError):
    code = "queue_empty"
    default_detail = "Nobody is checked in and waiting."


class SourceNotAllowed(TokenError):
    code = "source_not_allowed"
    status = 403
    default_detail = "You may not issue tokens of this source."


class CapacityBelowSeats(TokenError):
    code = "capacity_below_seats"
    default_detail = "The capacity cannot go below the seats already taken."


class NotTokenDay(TokenError):
    code = "not_token_day"
    default_detail = "A patient is checked in only on the day of their token."
