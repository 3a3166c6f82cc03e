"""Sign-in landing: send each role to the page it works in."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tokens.roles import ADMIN, DOCTOR, RECEPTION, has_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Reception and admin → the desk; doctors → their queue; anyone else → 403."""
    if has_role(request.user, RECEPTION, ADMIN):
        return redirect("desk")
    if has_role(request.user, DOCTOR):
        return redirect("doctor")
    raise PermissionDenied(
        "This login has no staff role. Portal clients use the API; "
        "ask an administrator to add you to reception, doctor or admin."
    )
