"""The printable token slip handed to the patient."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tokens.models import Token
from tokens.pages.access import check_staff_user
from tokens.selectors import token_placement


@login_required
@require_GET
def token_slip(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Token number, doctor, room, date, slot and estimated time, ready to print."""
    check_staff_user(request.user)
    token = get_object_or_404(
        Token.objects.select_related("patient", "slot", "day__doctor__department"), pk=token_id
    )
    placement = token_placement(token, now=timezone.now())
    return render(request, "tokens/slip.html", {"token": token, "placement": placement})
