"""Token endpoints of the REST API (docs/api.md).

One small view per operation: validate the input, call the service, serialize.
Every rule lives in ``tokens.services``; these views only decide who may ask.
"""

import re
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling.models import Slot
from tokens import errors as token_errors
from tokens import roles, services
from tokens.api.exceptions import log_api_error
from tokens.api.filters import TokenFilter
from tokens.api.permissions import IsPortalOrStaff, IsStaff
from tokens.api.schema import errors
from tokens.api.serializers import (
    AuthTokenResponseSerializer,
    EventSerializer,
    TokenSerializer,
    token_context,
)
from tokens.api.throttles import PortalBookingThrottle
from tokens.idempotency import idempotent_call, request_fingerprint
from tokens.lockout import lockout_response
from tokens.models import Source, Token
from tokens.patients import phone_normalise
from tokens.selectors import Placement

# -------------------------------------------------------------------------- auth


def _is_locked_out(request: Request) -> bool:
    """django-axes flags a lockout on the request it was handed: DRF's wrapper when the
    failure came through ``authenticate``, Django's own request when we asked first."""
    flags = (getattr(request, "axes_locked_out", False), request._request.axes_locked_out)
    return any(flags)


class AuthTokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Guarded by the same lockout as the login page (settings, "sign-in lockout").
    django-axes' middleware cannot see DRF's request, so the lockout is checked
    here: before the password, and after a failure that reached the limit."""

    # Credentials are the authentication here; a stale session must not trigger CSRF.
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=inline_serializer(
            "AuthTokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: AuthTokenResponseSerializer, **errors(400, 429)},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str):
            return super().post(request, *args, **kwargs)  # a 400 from the serializer
        credentials = {"username": username}
        if not AxesProxyHandler.is_allowed(request._request, credentials):
            return lockout_response(request._request, credentials=credentials)
        try:
            response = super().post(request, *args, **kwargs)
        except ValidationError:
            if _is_locked_out(request):
                return lockout_response(request._request, credentials=credentials)
            raise
        if settings.AXES_RESET_ON_SUCCESS:
            # What axes does on a page sign-in (user_logged_in), which this is not.
            ip_address = request._request.axes_ip_address
            AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)
        return response


# -------------------------------------------------------------------------- helpers


def _tokens() -> Any:
    return Token.objects.select_related("day", "slot", "patient")


def get_token_for_user(request: Request, token_id: Any) -> Token:
    """The token, if this client may see it: staff see all, the portal its own.

    Someone else's token is reported as missing, not forbidden, so that a portal
    client cannot probe which token ids exist."""
    tokens = _tokens()
    if not roles.is_staff_member(request.user):
        tokens = tokens.filter(created_by=request.user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token


def token_response(
    request: Request,
    token: Token,
    *,
    moved=None,
    status: int = 200,
    fresh: bool = False,
    placement: Placement | None = None,
) -> Response:
    """The token as JSON; re-read first unless ``fresh`` (just written by the service,
    with its day, slot and patient loaded). ``placement``: where the engine counted
    the token when it wrote it, so the response need not count again."""
    if not fresh:
        token = _tokens().get(pk=token.pk)  # the service may have moved it
    context = token_context(request, moved=moved)
    if placement is not None:
        context["_placement"] = placement
    data = TokenSerializer(token, context=context).data
    return Response(data, status=status)


# -------------------------------------------------------------------------- list and issue

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class TokenIssueInput(serializers.Serializer):
    """The shape of a booking; every rule about it is the engine's (``token_book``)."""

    class PatientInput(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        phone = serializers.CharField(max_length=32)
        external_id = serializers.CharField(max_length=64, required=False, default="")

        def validate_phone(self, value: str) -> str:
            # The service's own check, so that the error names ``patient.phone``.
            try:
                return phone_normalise(value)
            except token_errors.InvalidRequest as exc:
                raise serializers.ValidationError(exc.detail) from None

    doctor = serializers.IntegerField(required=False, min_value=1)
    date = serializers.DateField(required=False)
    slot = serializers.IntegerField(required=False, min_value=1)
    strict = serializers.BooleanField(default=False)
    source = serializers.ChoiceField(choices=Source.choices)
    patient = PatientInput()


# One instance for every booking: its fields are built (deep-copied and bound) once,
# not per request, and validating keeps no state on it (``run_validation``).
BOOKING_INPUT = TokenIssueInput()


def _booked(request: Request, result: services.IssueResult) -> Response:
    return token_response(
        request, result.token, moved=result.moved, status=201, fresh=True,
        placement=result.placement,
    )  # fmt: skip


def _book(request: Request, data: dict[str, Any]) -> services.IssueResult:
    return services.token_book(
        source=data["source"],
        name=data["patient"]["name"],
        phone=data["patient"]["phone"],
        external_id=data["patient"]["external_id"],
        doctor_id=data.get("doctor"),
        date=data.get("date"),
        slot_id=data.get("slot"),
        strict=data["strict"],
        actor=request.user,
        now=timezone.now(),
    )


class TokenListCreateApi(GenericAPIView):
    permission_classes = [IsPortalOrStaff]
    throttle_classes = [PortalBookingThrottle]  # portal bookings only
    filterset_class = TokenFilter
    serializer_class = TokenSerializer

    def get_queryset(self) -> Any:
        tokens = _tokens().order_by("-day__date", "day_id", "seq")
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return tokens.none()
        if not roles.is_staff_member(self.request.user):
            tokens = tokens.filter(created_by=self.request.user)
        return tokens

    @extend_schema(
        operation_id="tokens_list",
        summary="Tokens (staff: all; portal: the ones it issued)",
        responses={200: TokenSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = TokenSerializer(page, many=True, context=token_context(request)).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="tokens_create",
        summary="Book a token (rules 1–5, 10)",
        request=TokenIssueInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="1–255 printable ASCII characters, unique per booking. "
                "A retry with the same key gets the first response back.",
                pattern=IDEMPOTENCY_KEY.pattern,
            )
        ],
        responses={201: TokenSerializer, **errors(400, 404, 409, 422, 429)},
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            raise ValidationError({"Idempotency-Key": ["Use 1 to 255 printable ASCII characters."]})
        data = BOOKING_INPUT.run_validation(request.data)
        if key is None:
            result = _book(request, data)
            # Serialized after the commit, so the day's lock is not held meanwhile.
            return _booked(request, result)

        def book_and_serialize() -> tuple[int, dict[str, Any]]:
            # The stored body commits with its record, so it is built in the transaction.
            result = _book(request, data)
            response = _booked(request, result)
            return response.status_code, response.data

        fingerprint = request_fingerprint(data)
        stored = idempotent_call(
            client=request.user, key=key, fingerprint=fingerprint, produce=book_and_serialize
        )
        headers = {"Idempotent-Replayed": "true"} if stored.replayed else {}
        response = Response(stored.body, status=stored.status, headers=headers)
        if stored.status >= 400:
            log_api_error(request, response)  # a refusal kept with its key skips the handler
        return response


class TokenDetailApi(APIView):
    permission_classes = [IsPortalOrStaff]

    @extend_schema(
        operation_id="tokens_retrieve",
        summary="A token with its position and estimated time",
        responses={200: TokenSerializer, **errors(404)},
    )
    def get(self, request: Request, token_id: Any) -> Response:
        return token_response(request, get_token_for_user(request, token_id))


# -------------------------------------------------------------------------- transitions


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


def _reason_transition(request: Request, token_id: Any, service: Any) -> Response:
    """Cancel or no-show: an optional ``reason``, kept in the audit trail."""
    token = get_token_for_user(request, token_id)
    serializer = ReasonInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    result = service(
        token=token,
        actor=request.user,
        now=timezone.now(),
        reason=serializer.validated_data["reason"],
    )
    return token_response(request, result.token, moved=result.moved)


class TokenCancelApi(APIView):
    permission_classes = [IsPortalOrStaff]

    @extend_schema(
        operation_id="tokens_cancel",
        summary="Cancel a token (portal: its own); the seat goes to the waitlist",
        request=ReasonInput,
        responses={200: TokenSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, token_id: Any) -> Response:
        return _reason_transition(request, token_id, services.token_cancel)


class _StaffTransitionApi(APIView):
    """A staff-only transition without input: check in, call, complete."""

    permission_classes = [IsStaff]
    service: Any = None

    def post(self, request: Request, token_id: Any) -> Response:
        token = get_token_for_user(request, token_id)
        result = self.service(token=token, actor=request.user, now=timezone.now())
        return token_response(request, result.token, moved=result.moved)


def _transition_schema(operation_id: str, summary: str) -> Any:
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            request=None,
            responses={200: TokenSerializer, **errors(404, 409)},
        )
    )


@_transition_schema("tokens_check_in", "The patient arrived (allocated → checked_in)")
class TokenCheckInApi(_StaffTransitionApi):
    service = staticmethod(services.token_check_in)


@_transition_schema("tokens_call", "Call the patient in (checked_in → in_consultation)")
class TokenCallApi(_StaffTransitionApi):
    service = staticmethod(services.token_call)


@_transition_schema("tokens_complete", "The consultation is over (→ completed)")
class TokenCompleteApi(_StaffTransitionApi):
    service = staticmethod(services.token_complete)


class TokenNoShowApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="tokens_no_show",
        summary="The patient did not come; the seat goes to the waitlist",
        request=ReasonInput,
        responses={200: TokenSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, token_id: Any) -> Response:
        return _reason_transition(request, token_id, services.token_mark_no_show)


class TokenReallocateApi(APIView):
    permission_classes = [IsStaff]

    class ReallocateInput(ReasonInput):
        slot = serializers.IntegerField(min_value=1)

    @extend_schema(
        operation_id="tokens_reallocate",
        summary="Move a token to another slot of its day with a free seat",
        request=ReallocateInput,
        responses={200: TokenSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, token_id: Any) -> Response:
        token = get_token_for_user(request, token_id)
        serializer = self.ReallocateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = Slot.objects.filter(pk=serializer.validated_data["slot"]).first()
        if slot is None:
            raise NotFound(f"No slot with id {serializer.validated_data['slot']}.")
        result = services.token_reallocate(
            token=token,
            slot=slot,
            actor=request.user,
            now=timezone.now(),
            reason=serializer.validated_data["reason"],
        )
        return token_response(request, result.token, moved=result.moved)


class TokenEventsApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="tokens_events",
        summary="The token's audit trail, oldest first",
        responses={200: EventSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, token_id: Any) -> Response:
        token = get_token_for_user(request, token_id)
        events = token.events.select_related("actor").order_by("id")
        return Response(EventSerializer(events, many=True).data)
