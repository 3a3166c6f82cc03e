"""The people already registered on a phone, offered at the desk while it is typed.

A family shares one phone, so the issue form asks the server, as the phone is
typed (htmx GET, ``hx-trigger="keyup changed delay:300ms, change"``), who is
registered on it; a click on a name fills the name field (static/js/opd.js).
A number that cannot be one yet (still being typed) simply offers nobody.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tokens.errors import InvalidRequest
from tokens.pages.access import check_desk_user
from tokens.patients import patients_on_phone

# A phone shared by more people than this (a care home's) offers the first ones
# by name; the rest are found by typing the name.
MAX_OFFERED = 12


@login_required
@require_GET
def desk_phone_people(request: HttpRequest) -> HttpResponse:
    """The inside of the issue form's ``#phone-people`` region for ``?phone=``."""
    check_desk_user(request.user)
    try:
        people = patients_on_phone(request.GET.get("phone", ""))
    except InvalidRequest:
        people = []
    context = {"people": people[:MAX_OFFERED], "more": max(len(people) - MAX_OFFERED, 0)}
    return render(request, "tokens/_phone_people.html", context)
