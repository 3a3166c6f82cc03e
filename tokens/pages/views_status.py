"""The patient's live status page, ``/t/<code>/`` (docs/pages.md).

Public: no login, no phone, no name (initials at most). The code is the token's
public code (``tokens.public_codes``); an unknown or malformed one is a plain 404.
The page's status region polls every 5 s like the hall display and is answered 304
while the token's doctor-day is unchanged (``status_version``); both views are
rate-limited per client address (``tokens.pages.ratelimit``, wired in urls.py).
The one thing it changes is the token's cancellation, by the patient, while the
token is still waiting."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tokens.errors import TokenError
from tokens.models import Token
from tokens.pages.htmx import render_page_or_partial
from tokens.pages.languages import (
    LANGUAGE_NAMES,
    PATIENT_LANGUAGES,
    remember_language,
    status_page_language,
)
from tokens.pages.patient_status import PATIENT_CANCEL_REASON, PatientStatus
from tokens.public_codes import public_code_uuid, token_from_public_code, token_public_code
from tokens.services import token_cancel
from tokens.statements import days_version

STATUS_TEMPLATE = "tokens/status.html"


def status_version(request: HttpRequest) -> str | None:
    """The ETag's version of a status page: its token's doctor-day (every change of
    the token, or of the queue ahead of it, bumps it) and the page's language."""
    code = request.resolver_match.kwargs.get("code", "") if request.resolver_match else ""
    token_id = public_code_uuid(code)
    if token_id is None:
        return None  # the view answers 404
    found = Token.objects.filter(pk=token_id).values_list("day__doctor_id", "day__date").first()
    if found is None:
        return None
    version = days_version(date=found[1], doctor_ids=[found[0]])
    return f"{version}.{status_page_language(request)}" if version else None


def _token(code: str) -> Token:
    token = token_from_public_code(code)
    if token is None:
        raise Http404("There is no token at this address. Check the link on your slip.")
    return token


def _render(
    request: HttpRequest, token: Token, lang: str, *, notice: str = "", error: str = "",
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    code = token_public_code(token)
    now = timezone.now()
    context = {
        "status": PatientStatus(token=token, now=now),
        "token": token,
        "now": timezone.localtime(now),
        "today": timezone.localdate(now),
        "lang": lang,
        "languages": [(c, LANGUAGE_NAMES[c]) for c in PATIENT_LANGUAGES],
        "poll_url": f"{reverse('token_status', kwargs={'code': code})}?lang={lang}",
        "cancel_url": f"{reverse('token_status_cancel', kwargs={'code': code})}?lang={lang}",
        "hospital_name": settings.OPD_HOSPITAL_NAME,
        "notice": notice,
        "error": error,
    }
    response = render_page_or_partial(
        request, STATUS_TEMPLATE, context, partial="token-status", status=status
    )
    response["Content-Language"] = lang
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_GET
def token_status(request: HttpRequest, code: str) -> HttpResponse:
    """Number, doctor, room, slot, position, estimated time and what happened."""
    lang = status_page_language(request)
    with translation.override(lang):
        response = _render(request, _token(code), lang)
    remember_language(request, response)
    return response


@require_POST
def token_status_cancel(request: HttpRequest, code: str) -> HttpResponse:
    """The patient cancels their own token (allocated or waitlisted) — through the
    engine, like the desk: a freed seat goes to the waitlist at once."""
    lang = status_page_language(request)
    with translation.override(lang):
        token = _token(code)
        status = PatientStatus(token=token, now=timezone.now())
        if not status.may_cancel:
            return _refused(request, token, lang)
        try:
            token_cancel(token=token, actor=None, now=timezone.now(), reason=PATIENT_CANCEL_REASON)
        except TokenError:  # changed since it was read (called meanwhile)
            return _refused(request, _token(code), lang)
        if not request.htmx:
            return redirect(f"{reverse('token_status', kwargs={'code': code})}?lang={lang}")
        return _render(request, _token(code), lang, notice=_("Your token is cancelled."))


def _refused(request: HttpRequest, token: Token, lang: str) -> HttpResponse:
    error = _(
        "This token can no longer be cancelled here (status: %(status)s). Please ask at the desk."
    ) % {"status": PatientStatus(token=token, now=timezone.now()).status_word}
    return _render(request, token, lang, error=error, status=409)
