"""What the last action did, in words: "SHA-014 checked in."

The desk and the doctor's page each hold one status region (``#desk-status``,
``#doctor-status``: ``role="status"``, ``aria-live="polite"``) that stays in the page.
An htmx action's answer carries, after the fragment it swaps, an out-of-band
``innerHTML`` swap of that region, so the text changes in place and screen readers
read it out. A success also empties the page's alert strip (an earlier error is
over); a failure empties the status (its error is in the alert strip)."""

from django.http import HttpResponse
from django.template.loader import render_to_string

# (status region, alert strip) of each page.
DESK_PAGE = ("desk-status", "desk-alert")
DOCTOR_PAGE = ("doctor-status", "doctor-alert")


def with_status(response: HttpResponse, page: tuple[str, str], text: str) -> HttpResponse:
    """Append the out-of-band swaps: ``text`` into the page's status region; when
    there is a text (a success), nothing in its alert strip."""
    status_id, alert_id = page
    oob = render_to_string(
        "tokens/_status.html",
        {"status_id": status_id, "status_text": text, "alert_id": alert_id if text else ""},
    )
    response.content = response.content + oob.encode(response.charset)
    return response
