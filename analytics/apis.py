"""Analytics API (docs/api.md): read-only, staff only, one small APIView per read."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import date_summary, doctor_day_stats, slot_stats
from scheduling.models import Doctor, DoctorDay, Slot
from tokens import errors
from tokens.roles import is_staff_member


class IsStaffMember(BasePermission):
    """Reception, doctors and administrators; anonymous callers get 401, others 403."""

    message = "Analytics are for hospital staff (reception, doctor or admin)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)


def parse_date(raw: str | None) -> dt.date:
    """The ``date`` query parameter; today when absent."""
    if raw in (None, ""):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise errors.InvalidRequest(
            f"{raw!r} is not a date: use YYYY-MM-DD.", fields={"date": ["Use YYYY-MM-DD."]}
        ) from None


# --------------------------------------------------------------------------- output


class DurationSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="minutes")
    median = serializers.FloatField(allow_null=True, help_text="minutes")
    p90 = serializers.FloatField(allow_null=True, help_text="90th percentile, minutes")


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doctor = serializers.IntegerField(source="doctor_id")
    doctor_code = serializers.CharField()
    date = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    label = serializers.CharField()
    closed = serializers.BooleanField()
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField()
    available = serializers.IntegerField()
    utilization = serializers.FloatField(help_text="occupied ÷ capacity")
    overbooked = serializers.IntegerField(help_text="emergencies seated beyond capacity")
    displaced_in = serializers.IntegerField()
    displaced_out = serializers.IntegerField()


class SlotDetailOutputSerializer(SlotOutputSerializer):
    by_status = serializers.DictField(child=serializers.IntegerField())


class DayOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the doctor-day")
    doctor = serializers.IntegerField(source="doctor_id")
    doctor_code = serializers.CharField()
    doctor_name = serializers.CharField()
    department = serializers.CharField()
    date = serializers.DateField()
    delay_minutes = serializers.IntegerField()
    cancelled = serializers.BooleanField()
    closed = serializers.BooleanField()
    capacity = serializers.IntegerField(help_text="seats of the open slots")
    occupied = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    issued = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    overbooked = serializers.IntegerField()
    displaced = serializers.IntegerField()
    moved = serializers.IntegerField(help_text="tokens moved on by a slot closure")
    promoted = serializers.IntegerField(help_text="tokens promoted from the waitlist")
    wait = DurationSerializer(help_text="check-in to call")
    consultation = DurationSerializer(help_text="call to completion")


class DayDetailOutputSerializer(DayOutputSerializer):
    slots = SlotOutputSerializer(many=True)


class SummaryOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    doctors = serializers.IntegerField()
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    issued = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    overbooked = serializers.IntegerField()
    displaced = serializers.IntegerField()
    moved = serializers.IntegerField()
    promoted = serializers.IntegerField()
    wait = DurationSerializer()
    consultation = DurationSerializer()
    days = DayOutputSerializer(many=True)


ERROR = inline_serializer(
    "AnalyticsError", {"code": serializers.CharField(), "detail": serializers.CharField()}
)
DATE_PARAM = OpenApiParameter(
    "date", OpenApiTypes.DATE, description="YYYY-MM-DD; today when omitted"
)


# --------------------------------------------------------------------------- views


class SummaryApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        tags=["analytics"],
        summary="A date across the hospital",
        parameters=[DATE_PARAM],
        responses={200: SummaryOutputSerializer, 400: ERROR, 401: ERROR, 403: ERROR},
    )
    def get(self, request: Request) -> Response:
        # Domain errors go to the project's exception handler: {"code", "detail"}.
        date = parse_date(request.query_params.get("date"))
        return Response(SummaryOutputSerializer(date_summary(date)).data)


class DoctorDayApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        tags=["analytics"],
        summary="One doctor's day: tokens by source and status, utilization, waits, slots",
        parameters=[DATE_PARAM],
        responses={200: DayDetailOutputSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, doctor_id: int) -> Response:
        date = parse_date(request.query_params.get("date"))
        doctor = Doctor.objects.filter(pk=doctor_id).first()
        if doctor is None:
            raise errors.NotFound("No such doctor.")
        day = DoctorDay.objects.filter(doctor=doctor, date=date).first()
        if day is None:
            raise errors.NotFound(f"Dr {doctor.name} has no slots on {date:%d %b %Y}.")
        return Response(DayDetailOutputSerializer(doctor_day_stats(day)).data)


class SlotApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        tags=["analytics"],
        summary="One slot: capacity, occupancy, overbooks, displacements in and out",
        responses={200: SlotDetailOutputSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, slot_id: int) -> Response:
        slot = Slot.objects.filter(pk=slot_id).first()
        if slot is None:
            raise errors.NotFound("No such slot.")
        return Response(SlotDetailOutputSerializer(slot_stats(slot)).data)
