"""Schedule endpoints: departments, doctors, slots and doctor-day operations.

Reads are open to the portal and staff; setup (POST departments, doctors,
slots) is for the admin role; day operations (delay, cancel, close a slot) for staff.
"""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import services as scheduling_services
from scheduling.models import Department, Doctor, DoctorDay, Slot
from tokens import roles, services
from tokens.api.filters import DoctorFilter, SlotFilter
from tokens.api.permissions import IsAdminRole, IsPortalOrStaff, IsStaff
from tokens.api.schema import errors
from tokens.api.serializers import (
    CancelledTokenSerializer,
    DaySerializer,
    DepartmentSerializer,
    DoctorSerializer,
    LocalTimeField,
    MoveSerializer,
    SlotSerializer,
    TokenSerializer,
    token_context,
)
from tokens.models import Token
from tokens.selectors import with_occupancy


class _ReadOpenWriteAdmin(GenericAPIView):
    """GET for the portal and staff, POST for administrators."""

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsAdminRole()]
        return [IsPortalOrStaff()]

    def list_response(self, queryset: Any, serializer_class: type, **context: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(queryset))
        data = serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(data)


# -------------------------------------------------------------------------- departments


class DepartmentListCreateApi(_ReadOpenWriteAdmin):
    queryset = Department.objects.none()  # for the schema generator; get() builds its own
    serializer_class = DepartmentSerializer

    class DepartmentCreateInput(serializers.Serializer):
        name = serializers.CharField(max_length=100)

    @extend_schema(
        operation_id="departments_list",
        responses={200: DepartmentSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request) -> Response:
        return self.list_response(Department.objects.order_by("name"), DepartmentSerializer)

    @extend_schema(
        operation_id="departments_create",
        summary="Add a department (admin)",
        request=DepartmentCreateInput,
        responses={201: DepartmentSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.DepartmentCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = scheduling_services.department_create(**serializer.validated_data)
        return Response(DepartmentSerializer(department).data, status=201)


# -------------------------------------------------------------------------- doctors


def _doctors_for(user: Any) -> Any:
    doctors = Doctor.objects.select_related("department").order_by("name", "id")
    # The portal books only doctors who practise; staff also see the inactive ones.
    return doctors if roles.is_staff_member(user) else doctors.filter(active=True)


class DoctorListCreateApi(_ReadOpenWriteAdmin):
    queryset = Doctor.objects.none()  # for the schema generator; get() builds its own
    serializer_class = DoctorSerializer
    filterset_class = DoctorFilter

    class DoctorCreateInput(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        code = serializers.CharField(max_length=6, help_text="2–6 capital letters, e.g. SHA.")
        department = serializers.IntegerField(min_value=1)
        room = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
        active = serializers.BooleanField(default=True)

    @extend_schema(
        operation_id="doctors_list",
        responses={200: DoctorSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        return self.list_response(_doctors_for(request.user), DoctorSerializer)

    @extend_schema(
        operation_id="doctors_create",
        summary="Add a doctor (admin)",
        request=DoctorCreateInput,
        responses={201: DoctorSerializer, **errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.DoctorCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["department"] = get_object_or_404(Department, pk=data["department"])
        doctor = scheduling_services.doctor_create(**data)
        return Response(DoctorSerializer(doctor).data, status=201)


class DoctorDetailApi(APIView):
    permission_classes = [IsPortalOrStaff]

    @extend_schema(
        operation_id="doctors_retrieve", responses={200: DoctorSerializer, **errors(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        doctor = get_object_or_404(_doctors_for(request.user), pk=pk)
        return Response(DoctorSerializer(doctor).data)


# -------------------------------------------------------------------------- slots


def _slots() -> Any:
    return with_occupancy(Slot.objects.select_related("day__doctor"))


def _slot_data(slot_id: int) -> dict[str, Any]:
    return SlotSerializer(get_object_or_404(_slots(), pk=slot_id)).data


class SlotListCreateApi(_ReadOpenWriteAdmin):
    queryset = Slot.objects.none()  # for the schema generator; get() builds its own
    serializer_class = SlotSerializer
    filterset_class = SlotFilter

    class SlotCreateInput(serializers.Serializer):
        doctor = serializers.IntegerField(min_value=1)
        date = serializers.DateField()
        start = LocalTimeField()
        end = LocalTimeField()
        capacity = serializers.IntegerField(min_value=1, max_value=500)

        def validate_date(self, value: dt.date) -> dt.date:
            if value < timezone.localdate():
                raise serializers.ValidationError("That date is in the past.")
            return value

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # Checked here too so that a bad slot does not create its doctor-day.
            if attrs["end"] <= attrs["start"]:
                raise serializers.ValidationError({"end": ["The slot must end after it starts."]})
            return attrs

    @extend_schema(
        operation_id="slots_list",
        summary="Slots with occupancy (filter by doctor, date, department, available)",
        responses={200: SlotSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        slots = _slots().order_by("day__date", "start", "id")
        return self.list_response(slots, SlotSerializer, now=timezone.now())

    @extend_schema(
        operation_id="slots_create",
        summary="Add a slot to a doctor's day (admin); the day is created as needed",
        request=SlotCreateInput,
        responses={201: SlotSerializer, **errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.SlotCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["doctor"] = get_object_or_404(Doctor, pk=data["doctor"])
        slot = scheduling_services.slot_create(**data)
        return Response(_slot_data(slot.pk), status=201)


class SlotDetailApi(APIView):
    permission_classes = [IsPortalOrStaff]

    @extend_schema(operation_id="slots_retrieve", responses={200: SlotSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_slot_data(pk))


class SlotQueueApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="slots_queue",
        summary="The slot's seat holders in calling order, with patients (staff)",
        responses={200: TokenSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        slot = get_object_or_404(Slot, pk=pk)
        tokens = (
            Token.objects.filter(slot=slot)
            .seat_holding()
            .in_calling_order()
            .select_related("day", "slot", "patient")
        )
        return Response(TokenSerializer(tokens, many=True, context=token_context(request)).data)


class SlotCloseApi(APIView):
    permission_classes = [IsStaff]

    class SlotCloseInput(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    @extend_schema(
        operation_id="slots_close",
        summary="Close a slot: its patients move to later slots or the waitlist (rule 8)",
        request=SlotCloseInput,
        responses={
            200: inline_serializer(
                "SlotCloseResponse", {"slot": SlotSerializer(), "moved": MoveSerializer(many=True)}
            ),
            **errors(400, 404, 409),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        slot = get_object_or_404(Slot, pk=pk)
        serializer = self.SlotCloseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.slot_close(
            slot=slot,
            actor=request.user,
            now=timezone.now(),
            reason=serializer.validated_data["reason"],
        )
        moved = MoveSerializer(result.moved, many=True).data
        return Response({"slot": _slot_data(slot.pk), "moved": moved})


# -------------------------------------------------------------------------- doctor-days


class DayDetailApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="doctor_days_retrieve", responses={200: DaySerializer, **errors(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(DaySerializer(get_object_or_404(DoctorDay, pk=pk)).data)


class DayDelayApi(APIView):
    permission_classes = [IsStaff]

    class DayDelayInput(serializers.Serializer):
        minutes = serializers.IntegerField(help_text="Whole minutes, 0 to 720.")

    @extend_schema(
        operation_id="doctor_days_delay",
        summary="Set how late the doctor runs; every estimate shifts (0 clears it)",
        request=DayDelayInput,
        responses={200: DaySerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        day = get_object_or_404(DoctorDay, pk=pk)
        serializer = self.DayDelayInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = services.day_set_delay(
            day=day,
            minutes=serializer.validated_data["minutes"],
            actor=request.user,
            now=timezone.now(),
        )
        return Response(DaySerializer(day).data)


class DayCancelApi(APIView):
    permission_classes = [IsStaff]

    class DayCancelInput(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        operation_id="doctor_days_cancel",
        summary="Cancel the doctor's day; returns the patients to phone",
        request=DayCancelInput,
        responses={
            200: inline_serializer(
                "DayCancelResponse",
                {"day": DaySerializer(), "cancelled": CancelledTokenSerializer(many=True)},
            ),
            **errors(400, 404, 409),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        day = get_object_or_404(DoctorDay, pk=pk)
        serializer = self.DayCancelInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.day_cancel(
            day=day,
            reason=serializer.validated_data["reason"],
            actor=request.user,
            now=timezone.now(),
        )
        return Response(
            {
                "day": DaySerializer(result.day).data,
                "cancelled": CancelledTokenSerializer(result.cancelled, many=True).data,
            }
        )
