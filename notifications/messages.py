"""What a notification says: the SMS text per kind and language, and the webhook's JSON.

Every text is a gettext string with named placeholders, rendered under
``translation.override(notification.language)``: Hindi (or any language) comes
from Django's message catalogues (``makemessages -l hi``) without touching this
code. Until a catalogue exists, every language reads English.

The text says what happened (the event's slots: where the token was moved from and
to) and, where it helps, the live estimate at the moment of sending. Texts stay
short: one SMS is 160 characters (70 in Hindi); the live status link is most of it.
"""

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from scheduling.models import Slot
from tokens import public_codes
from tokens.models import NoticeKind, Notification, Status, Token
from tokens.selectors import Placement

# Marked for makemessages (gettext_noop) and translated when rendered (gettext).
TEXTS = {
    "issued": _("OPD token %(number)s: %(doctor)s, %(date)s, %(slot)s slot, about %(eta)s."),
    "issued_no_eta": _("OPD token %(number)s: %(doctor)s, %(date)s, %(slot)s slot."),
    "issued_waitlisted": _(
        "OPD token %(number)s: %(doctor)s, %(date)s: no. %(position)s on the waitlist; "
        "we will text you when a seat frees."
    ),
    "issued_waitlisted_no_place": _(
        "OPD token %(number)s: %(doctor)s, %(date)s: on the waitlist; we will text you when "
        "a seat frees."
    ),
    "displaced": _(
        "OPD token %(number)s: moved to %(to)s (a priority patient took %(doctor)s's "
        "%(from)s slot)."
    ),
    "displaced_waitlisted": _(
        "OPD token %(number)s: a priority patient took %(doctor)s's %(from)s slot; "
        "you are on the waitlist."
    ),
    "slot_closed": _(
        "OPD token %(number)s: moved to %(to)s (%(doctor)s's %(from)s slot was closed)."
    ),
    "slot_closed_waitlisted": _(
        "OPD token %(number)s: %(doctor)s's %(from)s slot was closed; you are on the waitlist."
    ),
    "moved": _("OPD token %(number)s: moved to %(doctor)s's %(to)s slot, %(date)s."),
    "promoted": _(
        "OPD token %(number)s: a seat is free for you: %(doctor)s, %(date)s, %(to)s slot."
    ),
    "day_cancelled": _(
        "OPD token %(number)s: %(doctor)s's OPD on %(date)s is cancelled (%(reason)s). "
        "Please book again."
    ),
    "delayed": _(
        "OPD token %(number)s: %(doctor)s is running %(minutes)s min late; your "
        "estimated time is now %(eta)s."
    ),
    "delayed_no_eta": _("OPD token %(number)s: %(doctor)s is running %(minutes)s min late."),
    "called": _("OPD token %(number)s: please go in to %(doctor)s now (room %(room)s)."),
    "called_no_room": _("OPD token %(number)s: please go in to %(doctor)s now."),
    "no_show": _(
        "OPD token %(number)s (%(doctor)s, %(date)s) was marked as not attended. "
        "Please book again if you still need to be seen."
    ),
    "expired": _(
        "OPD token %(number)s (%(doctor)s, %(date)s) has expired: the OPD has closed "
        "for the day. Please book again."
    ),
}
# The texts after which the live status link is worth its characters (the token
# still waits); it is left out when OPD_PUBLIC_URL is not set.
LINKED = {
    "issued", "issued_no_eta", "issued_waitlisted", "issued_waitlisted_no_place",
    "displaced", "displaced_waitlisted", "slot_closed", "slot_closed_waitlisted", "moved",
    "promoted", "delayed", "delayed_no_eta",
}  # fmt: skip
LINK = _("Live status: %(link)s")
# A day's cancellation reason, as much of it as an SMS has room for.
REASON_CHARS = 60


def doctor_title(name: str) -> str:
    """ "Dr Sharma" from "Sharma" and from "Dr Sharma" alike (names are stored either way)."""
    name = " ".join(name.split())
    if re.match(r"(?i)dr\.?(\s|$)", name):
        return name
    return gettext("Dr %(name)s") % {"name": name}


def status_url(token: Token) -> str:
    """The live status link of a message (``tokens.public_codes.status_url``: the
    status page's unguessable ``/t/<code>/``), or "" when ``OPD_PUBLIC_URL`` is not
    set — a message has no request to take the site's address from."""
    return public_codes.status_url(token) if settings.OPD_PUBLIC_URL else ""


def load(notification_id: int) -> Notification:
    """A notification with everything its message reads, in one query."""
    return Notification.objects.select_related(
        "token__patient",
        "token__slot",
        "token__day__doctor",
        "event__from_slot",
        "event__to_slot",
    ).get(pk=notification_id)


def render_sms(notification: Notification, *, now: dt.datetime, placement: Placement) -> str:
    """The SMS text of ``notification`` in its language."""
    with translation.override(notification.language):
        key, context = _text(notification, placement)
        text = gettext(TEXTS[key]) % _localised(context)
        link = status_url(notification.token)
        if link and key in LINKED:
            text += " " + gettext(LINK) % {"link": link}
        return text


def webhook_payload(
    notification: Notification, *, attempt: int, now: dt.datetime, placement: Placement
) -> dict[str, Any]:
    """The JSON posted to the portal: what happened (``type``) and the token as it is
    now. ``event_id`` is the same for every attempt: a receiver keeps the ids it has
    handled and ignores a repeat. No name or phone: the portal knows its patients
    by the token's id."""
    token = notification.token
    eta = placement.estimated_time
    payload: dict[str, Any] = {
        "event_id": str(notification.delivery_id),
        "type": notification.kind,
        "timestamp": int(now.timestamp()),
        "attempt": attempt,
        "token": {
            "id": str(token.id),
            "number": token.number,
            "status": token.status,
            "doctor": token.day.doctor_id,
            "date": token.day.date.isoformat(),
            "slot": token.slot_id,
            "position": placement.position,
            "estimated_time": timezone.localtime(eta).isoformat() if eta else None,
        },
        "message": render_sms(notification, now=now, placement=placement),
    }
    event = notification.event
    if event is not None:
        payload["change"] = {
            "from_slot": event.from_slot_id,
            "to_slot": event.to_slot_id,
            "from_status": event.from_status or None,
            "to_status": event.to_status,
            "at": timezone.localtime(event.at).isoformat(),
        }
    if notification.kind == NoticeKind.DELAYED:
        payload["delay_minutes"] = notification.data.get("delay_minutes")
    return payload


# --------------------------------------------------------------------------- helpers


def _text(notification: Notification, placement: Placement) -> tuple[str, dict[str, Any]]:
    """Which text, with which values (dates and times still as objects)."""
    token = notification.token
    day = token.day
    event = notification.event
    context: dict[str, Any] = {
        "number": token.number,
        "doctor": doctor_title(day.doctor.name),
        "date": day.date,
    }
    kind = notification.kind
    from_slot = event.from_slot if event else None
    to_slot = event.to_slot if event else token.slot
    if kind == NoticeKind.ISSUED:
        if to_slot is None:
            if token.status != Status.WAITLISTED or not placement.position:
                return "issued_waitlisted_no_place", context  # seated since: another text says so
            context["position"] = placement.position
            return "issued_waitlisted", context
        context["slot"] = _start(to_slot)
        # The estimate is the token's own only while it still sits in that slot.
        if token.slot_id == to_slot.pk and placement.estimated_time is not None:
            context["eta"] = placement.estimated_time
            return "issued", context
        return "issued_no_eta", context
    if kind in (NoticeKind.DISPLACED, NoticeKind.SLOT_CLOSED):
        context["from"] = _start(from_slot) if from_slot else "?"
        if to_slot is None:
            return f"{kind}_waitlisted", context
        context["to"] = _start(to_slot)
        return kind, context
    if kind in (NoticeKind.MOVED, NoticeKind.PROMOTED):
        context["to"] = _start(to_slot) if to_slot else "?"
        return kind, context
    if kind == NoticeKind.DAY_CANCELLED:
        reason = " ".join((day.cancel_reason or "").split()) or "-"
        if len(reason) > REASON_CHARS:
            reason = reason[: REASON_CHARS - 1].rstrip() + "…"
        context["reason"] = reason
        return kind, context
    if kind == NoticeKind.DELAYED:
        context["minutes"] = notification.data.get("delay_minutes", day.delay_minutes)
        if placement.estimated_time is not None:
            context["eta"] = placement.estimated_time
            return "delayed", context
        return "delayed_no_eta", context
    if kind == NoticeKind.CALLED:
        room = day.doctor.room
        if room:
            context["room"] = room
            return "called", context
        return "called_no_room", context
    return kind, context  # no_show, expired


def _start(slot: Slot) -> dt.time:
    return slot.start


def _localised(context: dict[str, Any]) -> dict[str, Any]:
    """Dates and times in the active language's words (``date_format``)."""
    values = {}
    for name, value in context.items():
        if isinstance(value, dt.datetime):
            values[name] = formats.time_format(timezone.localtime(value), "H:i")
        elif isinstance(value, dt.date):
            values[name] = formats.date_format(value, "j M")
        elif isinstance(value, dt.time):
            values[name] = formats.time_format(value, "H:i")
        else:
            values[name] = value
    return values
