"""Which language a patient-facing page speaks (docs/pages.md, "Languages").

The hall display, the slip and the patient's status page are rendered in English
or Hindi under ``translation.override`` in their own views; every staff page stays
English (there is no LocaleMiddleware). The display and the slip take ``?lang=`` or
``OPD_PATIENT_LANGUAGE``; the status page takes ``?lang=`` (its English/हिन्दी
switch, remembered in Django's language cookie), else that cookie, else the
browser's ``Accept-Language``."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# The languages with a catalogue (locale/<code>/LC_MESSAGES/django.po), as in LANGUAGES.
PATIENT_LANGUAGES = ("en", "hi")
# The voice of the hall's announcements (speechSynthesis) per language.
SPEECH_LANGUAGES = {"en": "en-IN", "hi": "hi-IN"}
# The language switch of the status page: each language named in itself.
LANGUAGE_NAMES = {"en": "English", "hi": "हिन्दी"}


def _asked(request: HttpRequest) -> str | None:
    lang = request.GET.get("lang", "").strip().lower()
    return lang if lang in PATIENT_LANGUAGES else None


def board_language(request: HttpRequest) -> str:
    """The hall display's and the slip's: ``?lang=``, else ``OPD_PATIENT_LANGUAGE``."""
    return _asked(request) or settings.OPD_PATIENT_LANGUAGE


def status_page_language(request: HttpRequest) -> str:
    """The status page's: ``?lang=``, else the language cookie, else Accept-Language."""
    asked = _asked(request)
    if asked:
        return asked
    found = translation.get_language_from_request(request)  # cookie, then the header
    base = (found or "en").split("-")[0].lower()
    return base if base in PATIENT_LANGUAGES else "en"


def remember_language(request: HttpRequest, response: HttpResponse) -> None:
    """Keep a language picked with ``?lang=`` in Django's language cookie, so the
    status link opened again (from an SMS, say) speaks it without the parameter."""
    asked = _asked(request)
    if asked and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != asked:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            asked,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
