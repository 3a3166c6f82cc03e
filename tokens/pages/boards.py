"""What the pages show, built from the tokens selectors.

Small read-only view-models: every attribute is computed on first use
(``cached_property``), so a fragment that shows only the waitlist runs only the
waitlist's queries. They hold presentation only — no rule is decided here.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext

from scheduling.models import Doctor, DoctorDay, Slot
from tokens.models import EventKind, Status, Token
from tokens.patients import patient_search
from tokens.selectors import (
    NO_PLACEMENT,
    OPEN,
    Placement,
    day_calling_order,
    day_now_serving,
    day_placements,
    day_slots,
    day_waitlist,
    slot_status,
)
from tokens.services import MAX_DELAY_MINUTES, token_available_actions

SEARCH_LIMIT = 25
# How many numbers after "now serving" the hall board shows per doctor.
DISPLAY_NEXT = 3


@dataclass
class SlotCard:
    """One slot with its capacity bar."""

    slot: Slot
    occupied: int
    overbooked: int
    now: dt.datetime

    @property
    def capacity(self) -> int:
        return self.slot.capacity

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.occupied / self.capacity))

    @cached_property
    def status(self) -> str:
        """The slot's status as the API gives it (``selectors.slot_status``)."""
        return slot_status(self.slot, self.now)

    @property
    def state(self) -> str:
        """The marker and bar colour: the status, with ``full`` for an open full slot."""
        if self.status == OPEN and self.occupied >= self.capacity:
            return "full"
        return self.status

    @property
    def takes_tokens(self) -> bool:
        return self.status == OPEN


@dataclass
class TokenRow:
    """A token with its place in the queue and what staff may do with it now."""

    token: Token
    placement: Placement
    move_targets: list[SlotCard] = field(default_factory=list)

    @cached_property
    def actions(self) -> frozenset[str]:
        return token_available_actions(self.token)

    @property
    def is_finished(self) -> bool:
        return not self.token.is_active


def slot_cards(day: DoctorDay, now: dt.datetime) -> list[SlotCard]:
    return [
        SlotCard(slot=s, occupied=s.occupied, overbooked=s.overbooked_count, now=now)
        for s in day_slots(day)
    ]


def _rows(tokens: list[Token], now: dt.datetime, cards_by_day: dict[int, list[SlotCard]]):
    placements_by_day: dict[int, dict] = {}
    rows = []
    for token in tokens:
        if token.day_id not in placements_by_day:
            placements_by_day[token.day_id] = day_placements(token.day, now=now)
        if token.day_id not in cards_by_day:
            cards_by_day[token.day_id] = slot_cards(token.day, now)
        targets = [
            c
            for c in cards_by_day[token.day_id]
            if c.state == "open" and c.slot.pk != token.slot_id
        ]
        placement = placements_by_day[token.day_id].get(token.pk, NO_PLACEMENT)
        rows.append(TokenRow(token=token, placement=placement, move_targets=targets))
    return rows


def token_row(token: Token, now: dt.datetime) -> TokenRow:
    """The row of one token, freshly read (after an action changed it)."""
    token = Token.objects.select_related("patient", "slot", "day__doctor").get(pk=token.pk)
    return _rows([token], now, {})[0]


def _token_query():
    return Token.objects.select_related("patient", "slot", "day__doctor__department")


def search_tokens(date: dt.date, q: str):
    """Tokens of ``date`` (any doctor) whose number contains ``q``, or whose patient
    ``q`` names (``patients.patient_search``): a phone typed any way gives every
    token of everyone on it, 3+ digits a phone containing them, letters a name."""
    match = Q(number__icontains=q.strip()) | patient_search(q, prefix="patient__")
    return (
        _token_query()
        .filter(match, day__date=date)
        .order_by("day__doctor__name", "seq")[:SEARCH_LIMIT]
    )


@dataclass
class DeskBoard:
    """Everything the reception desk shows for one doctor-day (or a search)."""

    day: DoctorDay | None
    now: dt.datetime
    date: dt.date
    q: str = ""

    @cached_property
    def slots(self) -> list[SlotCard]:
        return slot_cards(self.day, self.now) if self.day else []

    @cached_property
    def open_slots(self) -> list[SlotCard]:
        return [c for c in self.slots if c.takes_tokens]

    @cached_property
    def totals(self) -> dict[str, int]:
        return {
            "capacity": sum(c.capacity for c in self.slots),
            "occupied": sum(c.occupied for c in self.slots),
            "overbooked": sum(c.overbooked for c in self.slots),
        }

    @cached_property
    def token_rows(self) -> list[TokenRow]:
        """The search results, or else the day's tokens by slot (waitlist last)."""
        if self.q:
            tokens = list(search_tokens(self.date, self.q))
        elif self.day:
            tokens = list(
                _token_query()
                .filter(day=self.day)
                .order_by("slot__start", "seq")  # PostgreSQL and SQLite differ on NULLs
            )
            tokens.sort(key=lambda t: (t.slot is None, t.slot.start if t.slot else dt.time()))
        else:
            tokens = []
        cards = {self.day.pk: self.slots} if self.day else {}
        return _rows(tokens, self.now, cards)

    @cached_property
    def waitlist(self) -> list[Token]:
        return list(day_waitlist(self.day)) if self.day else []

    @cached_property
    def calling_order(self) -> list[Token]:
        return list(day_calling_order(self.day)) if self.day else []

    @cached_property
    def now_serving(self) -> Token | None:
        return day_now_serving(self.day) if self.day else None

    @cached_property
    def to_phone(self) -> list[Token]:
        """The tokens the day's cancellation cancelled: reception phones these patients."""
        if not (self.day and self.day.cancelled):
            return []
        tokens = _token_query().filter(
            events__kind=EventKind.DAY_CANCELLED, day=self.day, status=Status.CANCELLED
        )
        return list(tokens.distinct().order_by("seq"))


@dataclass
class DoctorBoard:
    """A doctor's live queue for one day."""

    doctor: Doctor
    day: DoctorDay | None
    now: dt.datetime
    max_delay: int = MAX_DELAY_MINUTES

    @cached_property
    def placements(self) -> dict:
        return day_placements(self.day, now=self.now) if self.day else {}

    @cached_property
    def now_serving(self) -> Token | None:
        return day_now_serving(self.day) if self.day else None

    @cached_property
    def calling_order(self) -> list[TokenRow]:
        if not self.day:
            return []
        return [
            TokenRow(token=t, placement=self.placements.get(t.pk, NO_PLACEMENT))
            for t in day_calling_order(self.day)
        ]

    @cached_property
    def not_arrived(self) -> list[TokenRow]:
        """Seat holders not checked in yet, in slot order."""
        if not self.day:
            return []
        tokens = _token_query().filter(day=self.day, status=Status.ALLOCATED).in_calling_order()
        return [
            TokenRow(token=t, placement=self.placements.get(t.pk, NO_PLACEMENT)) for t in tokens
        ]

    @cached_property
    def counts(self) -> dict[str, int]:
        if not self.day:
            return {}
        done = Token.objects.for_day(self.day)
        return {
            "completed": done.filter(status=Status.COMPLETED).count(),
            "waiting": len(self.calling_order),
            "not_arrived": len(self.not_arrived),
            "waitlisted": done.filter(status=Status.WAITLISTED).count(),
            "no_show": done.filter(status=Status.NO_SHOW).count(),
        }


@dataclass
class DisplayPanel:
    """One doctor on the waiting-hall board: numbers only, never a name."""

    doctor: Doctor
    day: DoctorDay | None

    @cached_property
    def now_serving(self) -> str | None:
        token = day_now_serving(self.day) if self.day else None
        return token.number if token else None

    @cached_property
    def next_numbers(self) -> list[str]:
        if not self.day:
            return []
        return [t.number for t in day_calling_order(self.day)[:DISPLAY_NEXT]]

    @property
    def announcement(self) -> str:
        """What the hall's voice says when this number is called, in the active
        language: "Token S H A 0 1 4, room 101" — the number spelled out, so that
        speech synthesis reads it letter by letter and digit by digit."""
        if not self.now_serving:
            return ""
        number = spell_out(self.now_serving)
        if self.doctor.room:
            return gettext("Token %(number)s, room %(room)s") % {
                "number": number,
                "room": self.doctor.room,
            }
        return gettext("Token %(number)s") % {"number": number}

    @property
    def chars(self) -> int:
        """How many characters the panel's longest token number has (``SHA-014``: 7),
        within what the stylesheet sizes for: its numbers are scaled to fit."""
        numbers = [self.now_serving or "", *self.next_numbers]
        longest = max(len(self.doctor.code) + 4, *(len(n) for n in numbers))
        return min(max(longest, DISPLAY_CHARS[0]), DISPLAY_CHARS[1])


def spell_out(number: str) -> str:
    """ "S H A 0 1 4" from "SHA-014": its letters and digits one by one."""
    return " ".join(c for c in number if c.isalnum())


# Token numbers the board's type is sized for: "AB-001" to "ABCDEF-1234".
DISPLAY_CHARS = (6, 11)
# Columns × rows of the hall board by the number of doctors, for a landscape screen
# (1366×768 to 1920×1080): as square as the screen allows, so the numbers stay big.
DISPLAY_GRIDS = {1: (1, 1), 2: (2, 1), 3: (3, 1), 4: (2, 2), 5: (3, 2), 6: (3, 2),
                 7: (4, 2), 8: (4, 2), 9: (3, 3), 10: (4, 3), 11: (4, 3), 12: (4, 3)}  # fmt: skip
# Beyond 12 doctors: up to 6 columns, as many rows as needed (the stylesheet has up to 6).
DISPLAY_MAX_COLUMNS = 6


@dataclass(frozen=True)
class DisplayLayout:
    """The hall board's grid: the stylesheet sizes every panel and its type from it."""

    count: int
    columns: int
    rows: int


def display_layout(count: int) -> DisplayLayout:
    if count in DISPLAY_GRIDS:
        columns, rows = DISPLAY_GRIDS[count]
    else:
        columns = min(DISPLAY_MAX_COLUMNS, max(4, math.ceil(math.sqrt(count * 16 / 9))))
        rows = math.ceil(count / columns)
    return DisplayLayout(count=count, columns=columns, rows=rows)


def display_panels(doctors: list[Doctor], date: dt.date) -> list[DisplayPanel]:
    days = {
        d.doctor_id: d
        for d in DoctorDay.objects.filter(doctor__in=doctors, date=date).select_related("doctor")
    }
    return [DisplayPanel(doctor=doc, day=days.get(doc.pk)) for doc in doctors]
