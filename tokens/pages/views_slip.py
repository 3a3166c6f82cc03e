"""The printable token slip handed to the patient, with the QR code of the patient's
live status page (``tokens.public_codes.status_url``) drawn here as inline SVG."""

import logging
import uuid

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tokens.models import Token
from tokens.pages.access import check_staff_user
from tokens.pages.languages import LANGUAGE_NAMES, board_language
from tokens.pages.patient_status import SOURCE_WORDS, STATUS_WORDS
from tokens.public_codes import status_url
from tokens.selectors import token_placement

logger = logging.getLogger(__name__)


def hospital_logo_url() -> str:
    """``OPD_HOSPITAL_LOGO`` as an address: a URL or an absolute path as it is, else
    the static file of that name; "" for no logo."""
    logo = settings.OPD_HOSPITAL_LOGO
    if not logo or logo.startswith("/") or "://" in logo:
        return logo
    try:
        return static(logo)
    except ValueError:  # not in collectstatic's manifest: print the slip without it
        logger.warning("OPD_HOSPITAL_LOGO=%r is not a static file", logo)
        return ""


def qr_svg(url: str) -> SafeString:
    """``url`` as a QR code: inline SVG (no script, no style attribute, no file), sized
    by the stylesheet (``.slip-qr svg``). Error correction M survives a crease."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=1, border=2, omitsize=True, title=_("Live status link"))
    return mark_safe(svg)  # written by segno, which escapes the title


@login_required
@require_GET
def token_slip(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Token number, doctor, room, date, slot and estimated time, ready to print, in
    the patients' language (``?lang=``, else ``OPD_PATIENT_LANGUAGE``); the desk's
    buttons around it stay English."""
    check_staff_user(request.user)
    token = get_object_or_404(
        Token.objects.select_related("patient", "slot", "day__doctor__department"), pk=token_id
    )
    placement = token_placement(token, now=timezone.now())
    lang = board_language(request)
    link = status_url(token, request)
    with translation.override(lang):
        context = {
            "token": token,
            "placement": placement,
            "hospital_name": settings.OPD_HOSPITAL_NAME,
            "hospital_logo": hospital_logo_url(),
            "slip_lang": lang,
            # The desk may print it in the other language for this patient.
            "slip_languages": [(c, n) for c, n in LANGUAGE_NAMES.items() if c != lang],
            "status_word": STATUS_WORDS.get(token.status, token.get_status_display()),
            "source_word": SOURCE_WORDS.get(token.source, token.get_source_display()),
            "status_url": link,
            "status_qr": qr_svg(link),
        }
        return render(request, "tokens/slip.html", context)
