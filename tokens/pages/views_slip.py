"""The printable token slip handed to the patient."""

import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from tokens.models import Token
from tokens.pages.access import check_staff_user
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


@login_required
@require_GET
def token_slip(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Token number, doctor, room, date, slot and estimated time, ready to print."""
    check_staff_user(request.user)
    token = get_object_or_404(
        Token.objects.select_related("patient", "slot", "day__doctor__department"), pk=token_id
    )
    placement = token_placement(token, now=timezone.now())
    context = {
        "token": token,
        "placement": placement,
        "hospital_name": settings.OPD_HOSPITAL_NAME,
        "hospital_logo": hospital_logo_url(),
    }
    return render(request, "tokens/slip.html", context)
