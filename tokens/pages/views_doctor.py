"""The doctor's live queue: call the next patient, complete, mark a no-show,
say how late the clinic runs. A doctor sees only their own queue; an
administrator may pick any doctor."""

import re
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from scheduling.models import Doctor, DoctorDay
from tokens import errors
from tokens.errors import TokenError
from tokens.models import Token
from tokens.pages.access import check_doctor_user
from tokens.pages.boards import DoctorBoard
from tokens.pages.forms import DoctorPickForm
from tokens.pages.htmx import announce, render_page_or_partial, token_error_fragment
from tokens.pages.status import DOCTOR_PAGE, with_status
from tokens.roles import ADMIN, has_role
from tokens.services import day_set_delay, token_call_next, token_complete, token_mark_no_show

DOCTOR_TEMPLATE = "tokens/doctor.html"


def _get_doctor_for_user(request: HttpRequest) -> Doctor:
    """The signed-in doctor's own profile; for an administrator the picked doctor
    (``?doctor=`` or a posted ``doctor``), else their own, else the first."""
    check_doctor_user(request.user)
    own = Doctor.objects.filter(user=request.user).select_related("department").first()
    if not has_role(request.user, ADMIN):
        if own is None:
            raise PermissionDenied(
                "Your login is not linked to a doctor. Ask an administrator to set "
                "it on your doctor record."
            )
        return own
    form = DoctorPickForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404("No such doctor.")
    picked = form.cleaned_data["doctor"]
    if picked is None:
        picked = own or Doctor.objects.filter(active=True).select_related("department").first()
    if picked is None:
        raise Http404("No doctor is set up yet.")
    return picked


def _today(doctor: Doctor) -> DoctorDay | None:
    return DoctorDay.objects.filter(doctor=doctor, date=timezone.localdate()).first()


def _get_token_for_user(request: HttpRequest, token_id: uuid.UUID) -> Token:
    check_doctor_user(request.user)
    tokens = Token.objects.select_related("day__doctor")
    if not has_role(request.user, ADMIN):
        # Another doctor's token is "not found" here, not a hint that it exists.
        tokens = tokens.filter(day__doctor__user=request.user)
    return get_object_or_404(tokens, pk=token_id)


def _context(request: HttpRequest, doctor: Doctor) -> dict[str, Any]:
    is_admin = has_role(request.user, ADMIN)
    return {
        "doctor": doctor,
        "board": DoctorBoard(doctor=doctor, day=_today(doctor), now=timezone.now()),
        "doctors": list(Doctor.objects.filter(active=True)) if is_admin else [],
        "doctor_url": f"{reverse('doctor')}?doctor={doctor.pk}" if is_admin else reverse("doctor"),
    }


@login_required
@require_GET
def doctor_queue(request: HttpRequest) -> HttpResponse:
    """Today's queue page, or just the queue region for htmx."""
    doctor = _get_doctor_for_user(request)
    return render_page_or_partial(
        request, DOCTOR_TEMPLATE, _context(request, doctor), partial="doctor-queue"
    )


def _done(request: HttpRequest, doctor: Doctor, message: str) -> HttpResponse:
    context = _context(request, doctor)
    if not request.htmx:
        messages.success(request, message)
        return redirect(context["doctor_url"])
    response = render(request, f"{DOCTOR_TEMPLATE}#doctor-queue", context)
    response = with_status(response, DOCTOR_PAGE, message)
    return announce(response, "tokenChanged")


def _failed(request: HttpRequest, doctor: Doctor, exc: TokenError) -> HttpResponse:
    if not request.htmx:
        messages.error(request, exc.detail)
        return redirect(_context(request, doctor)["doctor_url"])
    response = token_error_fragment(request, exc, target="#doctor-alert")
    return announce(with_status(response, DOCTOR_PAGE, ""), "tokenChanged")


@login_required
@require_POST
def doctor_call_next(request: HttpRequest) -> HttpResponse:
    """Call the first checked-in patient of the calling order."""
    doctor = _get_doctor_for_user(request)
    try:
        day = _today(doctor)
        if day is None:
            raise errors.QueueEmpty(f"Dr {doctor.name} has no clinic today.")
        result = token_call_next(day=day, actor=request.user, now=timezone.now())
    except TokenError as exc:
        return _failed(request, doctor, exc)
    return _done(request, doctor, f"Calling {result.token.number}.")


@login_required
@require_POST
def doctor_complete(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    token = _get_token_for_user(request, token_id)
    doctor = token.day.doctor
    try:
        result = token_complete(token=token, actor=request.user, now=timezone.now())
    except TokenError as exc:
        return _failed(request, doctor, exc)
    return _done(request, doctor, f"{result.token.number} completed.")


@login_required
@require_POST
def doctor_no_show(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    token = _get_token_for_user(request, token_id)
    doctor = token.day.doctor
    try:
        result = token_mark_no_show(
            token=token, actor=request.user, now=timezone.now(), reason="Called and absent."
        )
    except TokenError as exc:
        return _failed(request, doctor, exc)
    return _done(request, doctor, f"{result.token.number} marked as no-show.")


@login_required
@require_POST
def doctor_delay(request: HttpRequest) -> HttpResponse:
    """The clinic runs late by N minutes (0 clears it); every estimate shifts."""
    doctor = _get_doctor_for_user(request)
    try:
        day = _today(doctor)
        if day is None:
            raise errors.NotFound(f"Dr {doctor.name} has no clinic today.")
        raw = request.POST.get("minutes", "").strip()
        # Anything but a whole number goes to the engine as it is: it says what is wrong.
        minutes = int(raw) if re.fullmatch(r"-?[0-9]{1,6}", raw) else raw
        day = day_set_delay(day=day, minutes=minutes, actor=request.user, now=timezone.now())
    except TokenError as exc:
        return _failed(request, doctor, exc)
    if day.delay_minutes:
        return _done(request, doctor, f"Running {day.delay_minutes} min late: estimates moved.")
    return _done(request, doctor, "Delay cleared: back on time.")
