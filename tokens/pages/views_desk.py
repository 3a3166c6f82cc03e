"""The reception desk: one doctor-day's slots, tokens, waitlist and calling order,
and the actions reception takes on them.

Every action is a POST. A normal POST redirects back to the desk with the same
filters; an htmx POST returns only the fragment that changed and fires an event
(``tokenIssued``, ``tokenChanged``) on which the other regions refresh.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, reswap, retarget

from scheduling.models import Department, Doctor, DoctorDay, Slot
from tokens import errors
from tokens.errors import TokenError
from tokens.models import Token
from tokens.pages.access import check_desk_user
from tokens.pages.boards import DeskBoard, token_row
from tokens.pages.forms import DeskFilterForm, IssueForm, ReallocateForm
from tokens.pages.htmx import announce, inline_status, render_page_or_partial, token_error_fragment
from tokens.pages.screens import desk_day_version, screen_etag
from tokens.pages.status import DESK_PAGE, with_status
from tokens.roles import allowed_sources
from tokens.services import (
    IssueResult,
    token_book,
    token_cancel,
    token_check_in,
    token_mark_no_show,
    token_reallocate,
)

DESK_TEMPLATE = "tokens/desk.html"
# Regions of the desk that refresh themselves; an htmx GET names one in HX-Target.
DESK_REGIONS = ("desk", "slot-board", "token-list", "waitlist", "calling-order", "issue-panel")
# The desk's one poll: answered 304 while its day is unchanged, else with these
# regions as out-of-band swaps, so that a change costs each desk one request, not five
# (docs/pages.md, "Live refresh").
PULSE = "desk-pulse"
PULSED_REGIONS = ("slot-board", "token-list", "waitlist", "calling-order")
ACTIONS = {
    "check_in": (token_check_in, "checked in"),
    "cancel": (token_cancel, "cancelled"),
    "no_show": (token_mark_no_show, "marked as no-show"),
}


@dataclass
class DeskState:
    """The desk's filters after resolving defaults (first department, first doctor, today)."""

    departments: list[Department]
    department: Department | None
    doctors: list[Doctor]
    doctor: Doctor | None
    date: dt.date
    q: str
    day: DoctorDay | None

    @property
    def query(self) -> str:
        params: dict[str, Any] = {"date": self.date.isoformat()}
        if self.doctor:
            params = {"doctor": self.doctor.pk, **params}
        if self.q:
            params["q"] = self.q
        return urlencode(params)

    @property
    def url(self) -> str:
        return f"{reverse('desk')}?{self.query}"


def _resolve(data: dict[str, Any]) -> DeskState:
    departments = list(Department.objects.filter(doctors__active=True).distinct())
    doctor: Doctor | None = data.get("doctor")
    department: Department | None = data.get("department")
    if department is None:
        department = doctor.department if doctor else (departments[0] if departments else None)
    doctors = list(Doctor.objects.filter(active=True, department=department)) if department else []
    if doctor is None or doctor.department_id != getattr(department, "pk", None):
        # A department picked from the menu wins over a doctor of another department.
        doctor = doctors[0] if doctors else None
    date = data.get("date") or timezone.localdate()
    day = None
    if doctor is not None:
        day = (
            DoctorDay.objects.select_related("doctor__department")
            .filter(doctor=doctor, date=date)
            .first()
        )
    return DeskState(departments, department, doctors, doctor, date, data.get("q") or "", day)


def _state_for_day(day: DoctorDay) -> DeskState:
    return _resolve({"doctor": day.doctor, "department": day.doctor.department, "date": day.date})


def _get_day_for_user(request: HttpRequest, day_id: int) -> DoctorDay:
    check_desk_user(request.user)
    return get_object_or_404(DoctorDay.objects.select_related("doctor__department"), pk=day_id)


def _get_token_for_user(request: HttpRequest, token_id: uuid.UUID) -> Token:
    check_desk_user(request.user)
    return get_object_or_404(Token.objects.select_related("day__doctor"), pk=token_id)


def _next_url(request: HttpRequest, day: DoctorDay) -> str:
    """Where a normal POST returns: the desk page it came from, else the token's day."""
    wanted = request.POST.get("next", "")
    if wanted.startswith(reverse("desk")) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return _state_for_day(day).url


def _context(
    request: HttpRequest, state: DeskState, *, issue_form: IssueForm | None = None, **extra: Any
) -> dict[str, Any]:
    sources = allowed_sources(request.user)
    return {
        "state": state,
        "board": DeskBoard(day=state.day, now=timezone.now(), date=state.date, q=state.q),
        "desk_url": state.url,
        "issue_form": issue_form or IssueForm(sources=sources),
        **extra,
    }


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """The desk page, or one of its regions (named by HX-Target) for htmx."""
    check_desk_user(request.user)
    form = DeskFilterForm(request.GET)
    if not form.is_valid():
        state = _resolve({})
        context = _context(request, state, filter_errors=form.errors)
        response = render_page_or_partial(
            request, DESK_TEMPLATE, context, partial="desk", status=400
        )
        if request.htmx:
            # The whole desk with the error, in place of the desk (not inside the
            # region that asked, e.g. the token list of a search).
            response = reswap(retarget(response, "#desk"), "outerHTML")
        return response
    state = _resolve(form.cleaned_data)
    if request.htmx and request.htmx.target == PULSE:
        return _pulse(request, state)
    issued = None
    if request.GET.get("issued"):
        # After a normal (no-JS) POST the redirect names the new token to show it.
        issued = _issued_token(request.GET["issued"])
    target = request.htmx.target if request.htmx else None
    partial = target if target in DESK_REGIONS else "desk"
    # Only the whole desk holds the pulse: a region's render needs no version read.
    pulse = _pulse_etag(request, state) if partial == "desk" else None
    context = _context(request, state, issued=issued, pulse_etag=pulse)
    response = render_page_or_partial(request, DESK_TEMPLATE, context, partial=partial)
    if request.htmx and partial == "desk":
        # The filters changed: the address bar gets the state shown (a department
        # picked from the menu means its first doctor), not the form's fields, which
        # still name the doctor of the department before.
        response = push_url(response, state.url)
    return response


def _pulse(request: HttpRequest, state: DeskState) -> HttpResponse:
    """Reached only when the desk's day changed (else 304, screens.py): the four
    regions, each marked ``hx-swap-oob`` so that htmx puts it in place of its
    namesake (static/js/opd.js holds back one someone is working in)."""
    context = _context(request, state, oob=True)
    parts = [
        render(request, f"{DESK_TEMPLATE}#{region}", context).content for region in PULSED_REGIONS
    ]
    return HttpResponse(b"".join(parts))


def _pulse_etag(request: HttpRequest, state: DeskState) -> str | None:
    """The pulse's ETag for the day as it is before the page renders it: its first
    poll is then a 304 unless the day changed meanwhile."""
    doctor_id = state.doctor.pk if state.doctor else None
    version = desk_day_version(doctor_id=doctor_id, date=state.date, q=state.q)
    return screen_etag(state.url, PULSE, request, version) if version else None


def _issued_token(value: str) -> IssueResult | None:
    try:
        token_id = uuid.UUID(value)
    except ValueError:
        return None
    token = Token.objects.select_related("slot", "requested_slot", "day__doctor").filter(
        pk=token_id
    )
    return IssueResult(token=token[0]) if token else None


@login_required
@require_POST
def desk_issue(request: HttpRequest, day_id: int) -> HttpResponse:
    """Issue a token on this doctor-day from the desk form."""
    day = _get_day_for_user(request, day_id)
    form = IssueForm(request.POST, sources=allowed_sources(request.user))
    error: TokenError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = token_book(
                day_id=day.pk,
                slot_id=data["slot"],
                source=data["source"],
                name=data["name"],
                phone=data["phone"],
                actor=request.user,
                now=timezone.now(),
            )
        except TokenError as exc:
            error = exc
        else:
            return _issued(request, day, result)
    status = inline_status(error) if error else 400
    context = _context(request, _state_for_day(day), issue_form=form, issue_error=error)
    response = render_page_or_partial(
        request, DESK_TEMPLATE, context, partial="issue-panel", status=status
    )
    return with_status(response, DESK_PAGE, "") if request.htmx else response


def _issued(request: HttpRequest, day: DoctorDay, result: IssueResult) -> HttpResponse:
    token = result.token
    if not request.htmx:
        url = _next_url(request, day)
        return redirect(f"{url}{'&' if '?' in url else '?'}issued={token.pk}")
    context = _context(request, _state_for_day(day), issued=result)
    response = render(request, f"{DESK_TEMPLATE}#issue-panel", context)
    where = token.slot.label if token.slot else "waitlist"
    response = with_status(response, DESK_PAGE, f"{token.number} issued ({where}).")
    return announce(response, "tokenIssued", id=str(token.pk), number=token.number)


def _slot_of_day(day: DoctorDay, slot_id: int | None) -> Slot | None:
    if slot_id is None:
        return None
    slot = Slot.objects.filter(day=day, pk=slot_id).first()
    if slot is None:
        raise errors.InvalidRequest(
            "That slot does not belong to this doctor's day.", fields={"slot": ["Unknown slot."]}
        )
    return slot


@login_required
@require_POST
def desk_token_action(request: HttpRequest, token_id: uuid.UUID, action: str) -> HttpResponse:
    """Check in, cancel or mark a no-show; the engine frees and refills seats."""
    token = _get_token_for_user(request, token_id)
    service, verb = ACTIONS[action]
    try:
        kwargs = {"reason": request.POST.get("reason", "")} if action != "check_in" else {}
        result = service(token=token, actor=request.user, now=timezone.now(), **kwargs)
    except TokenError as exc:
        return _action_failed(request, token, exc)
    return _action_done(request, result.token, f"{result.token.number} {verb}.")


@login_required
@require_POST
def desk_token_reallocate(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Move a token to another slot of its day that has a free seat."""
    token = _get_token_for_user(request, token_id)
    form = ReallocateForm(request.POST)
    try:
        if not form.is_valid():
            raise errors.InvalidRequest("Choose the slot to move the token to.", fields=form.errors)
        slot = _slot_of_day(token.day, form.cleaned_data["slot"])
        result = token_reallocate(token=token, slot=slot, actor=request.user, now=timezone.now())
    except TokenError as exc:
        return _action_failed(request, token, exc)
    label = result.token.slot.label if result.token.slot else "the waitlist"
    return _action_done(request, result.token, f"{result.token.number} moved to {label}.")


def _action_done(request: HttpRequest, token: Token, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect(_next_url(request, token.day))
    row = token_row(token, timezone.now())
    context = {"row": row, "just_changed": True, "desk_url": _next_url(request, token.day)}
    response = render(request, f"{DESK_TEMPLATE}#token-row", context)
    response = with_status(response, DESK_PAGE, message)
    return announce(response, "tokenChanged", id=str(token.pk), number=token.number)


def _action_failed(request: HttpRequest, token: Token, exc: TokenError) -> HttpResponse:
    if not request.htmx:
        messages.error(request, exc.detail)
        return redirect(_next_url(request, token.day))
    response = token_error_fragment(request, exc, target="#desk-alert", context={"token": token})
    response = with_status(response, DESK_PAGE, "")
    # The page was probably stale: let every region catch up with the real state.
    return announce(response, "tokenChanged", id=str(token.pk), number=token.number)
