"""The waiting-hall board: per doctor the number being served and the next ones.

Public and read-only on purpose: it runs on a hall TV that nobody signs in to,
so it shows token numbers, doctors and rooms only — never a patient's name or
phone (docs/pages.md). It speaks the patients' language (``?lang=``, else
``OPD_PATIENT_LANGUAGE``) and calls each new number aloud (static/js/hall-voice.js)
unless ``?sound=off``."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from scheduling.models import Department, Doctor
from tokens.pages.boards import display_layout, display_panels
from tokens.pages.forms import DisplayForm
from tokens.pages.htmx import render_page_or_partial
from tokens.pages.languages import SPEECH_LANGUAGES, board_language

DISPLAY_TEMPLATE = "tokens/display.html"


@require_GET
def display(request: HttpRequest) -> HttpResponse:
    """``?department=<id>`` or ``?doctor=<id>&doctor=<id>``; without either, a chooser."""
    form = DisplayForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "departments": Department.objects.all()}
        return render(request, DISPLAY_TEMPLATE, context, status=400)
    doctors = list(form.cleaned_data["doctor"])
    department = form.cleaned_data["department"]
    if not doctors and department is not None:
        doctors = list(Doctor.objects.filter(department=department, active=True))
    if not doctors and department is None:
        departments = Department.objects.filter(doctors__active=True).distinct()
        return render(request, DISPLAY_TEMPLATE, {"form": form, "departments": departments})
    lang = board_language(request)
    context = {
        "form": form,
        "department": department,
        "panels": display_panels(doctors, timezone.localdate()),
        "layout": display_layout(len(doctors)),
        "now": timezone.localtime(),
        "lang": lang,
        "speech_lang": SPEECH_LANGUAGES[lang],
        "sound_off": request.GET.get("sound", "").lower() == "off",
    }
    with translation.override(lang):
        response = render_page_or_partial(request, DISPLAY_TEMPLATE, context, partial="hall-board")
    response["Content-Language"] = lang
    return response
