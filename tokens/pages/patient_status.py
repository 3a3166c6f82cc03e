"""What the patient's status page says (docs/pages.md, "The patient's status page"):
the token's place and estimate, its status and its history in plain words.

Every text is a gettext string, rendered under the page's language (English or
Hindi). Never the patient's name or phone: initials at most. A staff member's
reason for cancelling a single token stays on the desk (it may be a note about the
patient); the reason a doctor's whole day was cancelled is the patient's to know."""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tokens.models import EventKind, Source, Status, Token, TokenEvent
from tokens.selectors import Placement, token_placement

# The reason the engine records when the patient cancels on the status page.
PATIENT_CANCEL_REASON = "Cancelled by the patient on the status page."
# What the patient may cancel themselves: a token still waiting for its turn. Once
# checked in the patient is at the hospital and the desk cancels it.
PATIENT_CANCELLABLE = (Status.ALLOCATED, Status.WAITLISTED)

# The status in one or two words (the page's badge).
STATUS_WORDS = {
    Status.ALLOCATED: gettext_lazy("Booked"),
    Status.WAITLISTED: gettext_lazy("On the waitlist"),
    Status.CHECKED_IN: gettext_lazy("Checked in"),
    Status.IN_CONSULTATION: gettext_lazy("Your turn"),
    Status.COMPLETED: gettext_lazy("Seen by the doctor"),
    Status.CANCELLED: gettext_lazy("Cancelled"),
    Status.NO_SHOW: gettext_lazy("Not attended"),
    Status.EXPIRED: gettext_lazy("Expired"),
}

# Where the token came from, as the slip prints it.
SOURCE_WORDS = {
    Source.EMERGENCY: gettext_lazy("Emergency"),
    Source.PAID: gettext_lazy("Paid"),
    Source.FOLLOW_UP: gettext_lazy("Follow-up"),
    Source.ONLINE: gettext_lazy("Online"),
    Source.WALK_IN: gettext_lazy("Walk-in"),
}


def initials(name: str) -> str:
    """ "A. R." from "Asha Rao": enough to tell a family's tokens apart, no more."""
    words = [w for w in name.replace(".", " ").split() if w[:1].isalpha()]
    return " ".join(f"{w[0].upper()}." for w in words[:3])


def event_words(event: TokenEvent, *, room: str = "", day_reason: str = "") -> str:
    """One event of the token's trail in plain words, in the active language.
    ``room``: the doctor's; ``day_reason``: why the doctor's day was cancelled."""
    kind = event.kind
    to = event.to_slot.label if event.to_slot_id else ""
    was = event.from_slot.label if event.from_slot_id else ""
    if kind == EventKind.ISSUED:
        if to:
            return _("Token issued for the %(slot)s slot.") % {"slot": to}
        return _("Token issued. No seat was free yet: you are on the waitlist.")
    if kind == EventKind.DISPLACED:
        if to:
            return _(
                "Moved to %(to)s: a patient with a higher priority needed the doctor's "
                "%(from)s slot."
            ) % {"to": to, "from": was}
        return _(
            "Moved to the waitlist: a patient with a higher priority needed the doctor's "
            "%(from)s slot."
        ) % {"from": was}
    if kind == EventKind.MOVED:
        if to:
            return _("Moved to %(to)s because the doctor's %(from)s slot was closed.") % {
                "to": to,
                "from": was,
            }
        return _("Moved to the waitlist because the doctor's %(from)s slot was closed.") % {
            "from": was
        }
    if kind == EventKind.PROMOTED:
        return _("A seat became free: you now have the %(slot)s slot.") % {"slot": to}
    if kind == EventKind.REALLOCATED:
        if event.from_status == Status.WAITLISTED:
            return _("The desk gave you a seat in the %(slot)s slot.") % {"slot": to}
        return _("The desk moved your token to the %(slot)s slot.") % {"slot": to}
    if kind == EventKind.CHECKED_IN:
        return _("Checked in at the desk.")
    if kind == EventKind.CALLED:
        if room:
            return _("Called in to room %(room)s.") % {"room": room}
        return _("Called in by the doctor.")
    if kind == EventKind.COMPLETED:
        return _("Consultation completed.")
    if kind == EventKind.CANCELLED:
        if event.actor_id is None and event.reason == PATIENT_CANCEL_REASON:
            return _("You cancelled this token.")
        return _("Your token was cancelled.")
    if kind == EventKind.DAY_CANCELLED:
        reason = " ".join(day_reason.split())
        if reason:
            return _(
                "Your token was cancelled because the doctor's day was cancelled: %(reason)s"
            ) % {"reason": reason}
        return _("Your token was cancelled because the doctor's day was cancelled.")
    if kind == EventKind.NO_SHOW:
        return _("Marked as not attended.")
    if kind == EventKind.EXPIRED:
        return _("Expired: the OPD closed for the day before you were seen.")
    return str(event.get_kind_display())


@dataclass(frozen=True)
class EventLine:
    at: dt.datetime
    text: str


@dataclass
class PatientStatus:
    """The status page of one token, read at ``now``."""

    token: Token
    now: dt.datetime

    @property
    def doctor(self):
        return self.token.day.doctor

    @property
    def day(self):
        return self.token.day

    @property
    def initials(self) -> str:
        return initials(self.token.patient.name)

    @cached_property
    def placement(self) -> Placement:
        return token_placement(self.token, now=self.now)

    @property
    def is_active(self) -> bool:
        return self.token.is_active

    @property
    def is_waitlisted(self) -> bool:
        return self.token.status == Status.WAITLISTED

    @property
    def in_consultation(self) -> bool:
        return self.token.status == Status.IN_CONSULTATION

    @property
    def may_cancel(self) -> bool:
        """Only a token still waiting, on a day that is still open."""
        day = self.day
        return (
            self.token.status in PATIENT_CANCELLABLE and not day.cancelled and day.closed_at is None
        )

    @property
    def status_word(self) -> str:
        return str(STATUS_WORDS.get(self.token.status, self.token.get_status_display()))

    @property
    def headline(self) -> str:
        """What the patient should do now, in one sentence."""
        status = self.token.status
        room = self.doctor.room
        if status == Status.ALLOCATED:
            return _("Booked. Check in at the desk when you arrive at the hospital.")
        if status == Status.WAITLISTED:
            return _("No seat yet: you are on the waitlist and get the next free seat.")
        if status == Status.CHECKED_IN:
            return _("Checked in. Please wait in the hall and watch the display for your number.")
        if status == Status.IN_CONSULTATION:
            if room:
                return _("It is your turn: please go in to room %(room)s now.") % {"room": room}
            return _("It is your turn: please go in now.")
        if status == Status.COMPLETED:
            return _("Your consultation is completed. Thank you.")
        if status == Status.CANCELLED:
            return _("This token is cancelled.")
        if status == Status.NO_SHOW:
            return _("Marked as not attended. Please book again if you still need to be seen.")
        return _("This token has expired: the OPD has closed for the day.")

    @cached_property
    def events(self) -> list[EventLine]:
        """The token's trail in plain words, latest first."""
        events = self.token.events.select_related("from_slot", "to_slot").order_by("-id")
        room, reason = self.doctor.room, self.day.cancel_reason
        return [
            EventLine(
                at=timezone.localtime(e.at), text=event_words(e, room=room, day_reason=reason)
            )
            for e in events
        ]
