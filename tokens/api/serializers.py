"""Output serializers shared by the API views (docs/api.md shapes).

Input serializers live next to the view that uses them, HackSoft style; these are
the shapes several views return.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.models import Slot
from tokens.models import Source, Status, Token
from tokens.roles import is_staff_member
from tokens.selectors import (
    SLOT_STATUSES,
    Placement,
    day_placements,
    slot_status,
    token_placement,
)
from tokens.services import Move


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable machine code and a human message, plus extras."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(required=False, help_text="validation_error: per field.")
    alternatives = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="slot_full: free slot ids."
    )
    id = serializers.CharField(required=False, help_text="duplicate_token: the existing token.")


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DoctorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField(source="department.name")
    room = serializers.CharField()
    active = serializers.BooleanField()


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of the hospital, ``HH:MM`` (``HH:MM:SS`` accepted).

    Not OpenAPI's ``time`` format, which requires a UTC offset: a slot's time is
    local by definition, so an offset is refused rather than silently converted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class SlotSerializer(serializers.Serializer):
    """A slot annotated by ``tokens.selectors.with_occupancy``."""

    id = serializers.IntegerField()
    day = serializers.IntegerField(source="day_id")
    doctor = serializers.IntegerField(source="day.doctor_id")
    date = serializers.DateField(source="day.date")
    start = LocalTimeField()
    end = LocalTimeField()
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField()
    available = serializers.SerializerMethodField()
    overbooked = serializers.IntegerField(
        source="overbooked_count", help_text="Emergencies seated beyond capacity."
    )
    status = serializers.SerializerMethodField()

    def get_available(self, slot: Slot) -> int:
        return max(slot.capacity - slot.occupied, 0)

    @extend_schema_field(serializers.ChoiceField(choices=SLOT_STATUSES))
    def get_status(self, slot: Slot) -> str:
        return slot_status(slot, self.context.get("now") or timezone.now())


class DaySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doctor = serializers.IntegerField(source="doctor_id")
    date = serializers.DateField()
    delay_minutes = serializers.IntegerField()
    cancelled = serializers.BooleanField()
    cancel_reason = serializers.CharField()
    closed = serializers.BooleanField(source="is_closed")


class PatientSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class MoveSerializer(serializers.Serializer):
    """A token that a request moved as a side effect."""

    id = serializers.UUIDField(source="token.id")
    number = serializers.CharField(source="token.number")
    kind = serializers.CharField(help_text="displaced, promoted or moved.")
    from_slot = serializers.SerializerMethodField()
    to_slot = serializers.SerializerMethodField()
    status = serializers.ChoiceField(source="token.status", choices=Status.choices)

    @extend_schema_field(OpenApiTypes.INT)
    def get_from_slot(self, move: Move) -> int | None:
        return move.from_slot.pk if move.from_slot else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_to_slot(self, move: Move) -> int | None:
        return move.to_slot.pk if move.to_slot else None


class _MovedField(serializers.ListField):
    """The moves of the request, taken from the serializer context."""

    def get_attribute(self, instance: Token) -> list[Move]:
        return self.context.get("moved") or []


def token_context(request, *, moved: list[Move] | None = None) -> dict[str, Any]:
    """Serializer context for token responses: the portal never sees patients
    or other clients' tokens; ``moved`` only on responses to a change."""
    return {
        "request": request,
        "staff": is_staff_member(request.user),
        "moved": moved,
        "now": timezone.now(),
    }


class TokenSerializer(serializers.Serializer):
    """A token with its live position and estimated time (rule 9).

    ``patient`` and ``moved`` are staff-only; ``moved`` is present on responses
    to a change (issue, transitions), listing the other tokens it moved."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    doctor = serializers.IntegerField(source="day.doctor_id")
    date = serializers.DateField(source="day.date")
    slot = serializers.IntegerField(source="slot_id", allow_null=True)
    requested_slot = serializers.IntegerField(source="requested_slot_id", allow_null=True)
    position = serializers.SerializerMethodField()
    estimated_time = serializers.SerializerMethodField()
    overbooked = serializers.BooleanField()
    displaced_count = serializers.IntegerField()
    patient = PatientSerializer(required=False)
    moved = _MovedField(child=MoveSerializer(), required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if "staff" in self.context:  # absent only while the schema is generated
            if not self.context["staff"]:
                fields.pop("patient")
            if not self.context["staff"] or self.context.get("moved") is None:
                fields.pop("moved")
        return fields

    def to_representation(self, token: Token) -> dict[str, Any]:
        # The declared fields above are the contract (and the schema); this builds the
        # same dict directly, because DRF's field-by-field walk, and the deep copy of
        # the fields for every serializer, cost a booking more than its SQL.
        placement = self._placement(token)
        eta = placement.estimated_time
        data = {
            "id": str(token.id),
            "number": token.number,
            "status": token.status,
            "source": token.source,
            "doctor": token.day.doctor_id,
            "date": token.day.date.isoformat(),
            "slot": token.slot_id,
            "requested_slot": token.requested_slot_id,
            "position": placement.position,
            "estimated_time": _DATETIME.to_representation(eta) if eta else None,
            "overbooked": token.overbooked,
            "displaced_count": token.displaced_count,
        }
        staff = self.context.get("staff", True)
        if staff:
            data["patient"] = {"name": token.patient.name, "phone": token.patient.phone}
        if staff and self.context.get("moved") is not None:
            data["moved"] = [_move(move) for move in self.context["moved"]]
        return data

    def _placement(self, token: Token) -> Placement:
        if not token.is_active:
            return Placement(position=None, estimated_time=None)
        now = self.context.get("now") or timezone.now()
        if self.parent is None:
            # A single token: count the tokens ahead instead of reading the day.
            if "_placement" not in self.context:
                self.context["_placement"] = token_placement(token, now=now)
            return self.context["_placement"]
        # One computation per doctor-day, shared by every token of a page.
        cache = self.context.setdefault("_placements", {})
        if token.day_id not in cache:
            cache[token.day_id] = day_placements(token.day, now=now)
        return cache[token.day_id].get(token.pk, Placement(position=None, estimated_time=None))

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True,
            help_text="Place in the queue (0 = in consultation) or in the waitlist; "
            "null once finished.",
        )
    )
    def get_position(self, token: Token) -> int | None:
        return self._placement(token).position

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_time(self, token: Token) -> str | None:
        eta = self._placement(token).estimated_time
        return serializers.DateTimeField().to_representation(eta) if eta else None


_DATETIME = serializers.DateTimeField()


def _move(move: Move) -> dict[str, Any]:
    """``MoveSerializer``'s shape, built directly (see ``TokenSerializer``)."""
    return {
        "id": str(move.token.id),
        "number": move.token.number,
        "kind": move.kind,
        "from_slot": move.from_slot.pk if move.from_slot else None,
        "to_slot": move.to_slot.pk if move.to_slot else None,
        "status": move.token.status,
    }


class CancelledTokenSerializer(serializers.Serializer):
    """A token cancelled with its doctor's day: who reception has to phone."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    slot = serializers.IntegerField(source="slot_id", allow_null=True)
    patient = PatientSerializer()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    from_slot = serializers.IntegerField(source="from_slot_id", allow_null=True)
    to_slot = serializers.IntegerField(source="to_slot_id", allow_null=True)
    caused_by = serializers.UUIDField(source="caused_by_id", allow_null=True)
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class AuthTokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
