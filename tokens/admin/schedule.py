"""Doctor-days and their slots in the admin.

What decides seats — a slot's capacity and whether it is closed, a day's delay
and whether it is cancelled — is read-only here once the row exists. It changes
only through the admin actions below, each of which asks for its input on an
intermediate page and then calls the engine (``tokens.services``) once per
selected slot or day: under the doctor-day lock, with an event for every token it
moves. What the engine refuses is reported per row and leaves that row unchanged.

Adding a slot (it has no tokens yet) is a plain form. The times of an existing
slot are read-only too: its tokens and their history point at it, and a booking
could land in it at any moment (an empty slot in the wrong place is deleted and
added again).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from scheduling.models import DoctorDay, Slot
from tokens import errors, services
from tokens.models import Token
from tokens.selectors import with_occupancy

# Fields of an existing slot that only the engine changes.
SEAT_FIELDS = ("capacity", "closed", "closed_reason")
# Fields of an existing slot that never change (tokens and events point at it).
TIME_FIELDS = ("start", "end")
# Token numbers listed in one message, at most.
LISTED = 12


# ------------------------------------------------------------------- slot forms


class SlotForm(forms.ModelForm):
    """The slot form of the admin: for an existing slot, the seat fields, the times
    and the day are disabled, so whatever is posted for them is ignored. The slot
    inline of a doctor-day renders one per row."""

    class Meta:
        model = Slot
        fields = ["day", "start", "end", "capacity", "closed", "closed_reason"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name in (*SEAT_FIELDS, *TIME_FIELDS, "day"):
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = ""


def _occupancy(slot: Slot) -> str:
    occupied = getattr(slot, "occupied", None)
    if slot.pk is None or occupied is None:
        return "—"
    text = f"{occupied} / {slot.capacity}"
    if slot.overbooked_count:
        text += f" ({slot.overbooked_count} overbooked)"
    return text


class SlotInline(admin.TabularInline):
    model = Slot
    form = SlotForm
    extra = 0
    fields = ["start", "end", "capacity", "occupancy", "closed", "closed_reason"]
    readonly_fields = ["occupancy"]

    def get_queryset(self, request):
        return with_occupancy(super().get_queryset(request))

    @admin.display(description="Occupied / capacity")
    def occupancy(self, obj: Slot) -> str:
        return _occupancy(obj)


# --------------------------------------------------------- engine action helper


def run_engine_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable,
    *,
    form_class: type[forms.Form],
    action_name: str,
    title: str,
    intro: str,
    submit: str,
    describe: Callable[[Any], str],
    apply: Callable[[Any, dict], str],
) -> HttpResponse:
    """The intermediate page of an admin action, then one engine call per object.

    On the first request (or invalid input) renders ``form_class`` for the
    selected ``objects``; on a valid "apply" calls ``apply(obj, cleaned_data)``
    for each, reporting its success text, or the engine's refusal, per object."""
    objects = list(objects)
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            for obj in objects:
                try:
                    outcome = apply(obj, form.cleaned_data)
                except errors.TokenError as exc:
                    modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
                else:
                    modeladmin.message_user(request, f"{obj}: {outcome}", messages.SUCCESS)
            return HttpResponseRedirect(request.get_full_path())
    else:
        form = form_class()
    return render(
        request,
        "admin/tokens/engine_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit": submit,
            "form": form,
            "rows": [(obj.pk, describe(obj)) for obj in objects],
            "opts": modeladmin.model._meta,
            "action_name": action_name,
        },
    )


def _numbers(tokens: list[Token]) -> str:
    shown = ", ".join(t.number for t in tokens[:LISTED])
    return shown + (", …" if len(tokens) > LISTED else "")


def _tokens(n: int) -> str:
    return f"{n} token" if n == 1 else f"{n} tokens"


# -------------------------------------------------------------- slot actions


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label="New capacity (seats)",
        min_value=1,
        max_value=services.MAX_CAPACITY,
        error_messages={
            "required": "Enter the new number of seats.",
            "invalid": "Enter the number of seats as a whole number, e.g. 6.",
            "min_value": "A slot has at least 1 seat.",
            "max_value": f"A slot has at most {services.MAX_CAPACITY} seats.",
        },
        help_text="Never below the seats already taken; new seats go to the waitlist at once.",
    )


class CloseSlotsForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        error_messages={"required": "Say why the slots close: it is kept on every moved token."},
        help_text="E.g. “Doctor called to theatre”.",
    )


def _slot_row(slot: Slot) -> str:
    state = ", closed" if slot.closed else ""
    return f"{slot} — {slot.occupied} / {slot.capacity} seats taken{state}"


def _moves(moved: list[services.Move]) -> str:
    parts = [
        f"{m.token.number} → {m.to_slot.label if m.to_slot else 'waitlist'}" for m in moved[:LISTED]
    ]
    return ", ".join(parts) + (", …" if len(moved) > LISTED else "")


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    form = SlotForm
    list_display = ["day", "label", "capacity", "occupancy", "closed", "closed_reason"]
    list_filter = ["day__date", "day__doctor", "day__doctor__department", "closed"]
    date_hierarchy = "day__date"
    search_fields = ["day__doctor__name", "day__doctor__code"]
    list_select_related = ["day__doctor"]
    fields = ["day", "start", "end", "capacity", "occupancy", "closed", "closed_reason"]
    actions = ["change_capacity", "close_slots"]

    def get_queryset(self, request):
        return with_occupancy(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["occupancy"]
        return ["day", *TIME_FIELDS, *SEAT_FIELDS, "occupancy"]

    @admin.display(description="Time")
    def label(self, obj: Slot) -> str:
        return obj.label

    @admin.display(description="Occupied / capacity", ordering="occupied")
    def occupancy(self, obj: Slot) -> str:
        return _occupancy(obj)

    def _selected(self, queryset) -> QuerySet[Slot]:
        return queryset.select_related("day__doctor").order_by("day__date", "day__doctor", "start")

    @admin.action(description="Change capacity…", permissions=["change"])
    def change_capacity(self, request: HttpRequest, queryset):
        def apply(slot: Slot, data: dict) -> str:
            result = services.slot_set_capacity(
                slot=slot, capacity=data["capacity"], actor=request.user, now=timezone.now()
            )
            text = f"capacity {result.slot.capacity}"
            if result.moved:
                text += (
                    f", {_tokens(len(result.moved))} promoted from the waitlist: "
                    f"{_numbers([m.token for m in result.moved])}"
                )
            return text

        return run_engine_action(
            self,
            request,
            self._selected(queryset),
            form_class=CapacityForm,
            action_name="change_capacity",
            title="Change the capacity of slots",
            intro="Every selected slot gets the new capacity, unless more of its seats "
            "are already taken: that slot is left as it is.",
            submit="Change capacity",
            describe=_slot_row,
            apply=apply,
        )

    @admin.action(description="Close slots…", permissions=["change"])
    def close_slots(self, request: HttpRequest, queryset):
        def apply(slot: Slot, data: dict) -> str:
            result = services.slot_close(
                slot=slot, actor=request.user, now=timezone.now(), reason=data["reason"]
            )
            text = f"closed, {_tokens(len(result.moved))} moved"
            if result.moved:
                text += f" ({_moves(result.moved)})"
            return text

        return run_engine_action(
            self,
            request,
            self._selected(queryset),
            form_class=CloseSlotsForm,
            action_name="close_slots",
            title="Close slots",
            intro="Closed slots take no new tokens. Their waiting tokens move, best "
            "priority first, to later slots of the day with a free seat, else to the "
            "waitlist; a consultation under way stays. Closing cannot be undone here.",
            submit="Close slots",
            describe=_slot_row,
            apply=apply,
        )


# ---------------------------------------------------------- doctor-day actions


class DelayForm(forms.Form):
    minutes = forms.IntegerField(
        label="Running late by (minutes)",
        min_value=0,
        max_value=services.MAX_DELAY_MINUTES,
        error_messages={
            "required": "Enter the delay in minutes (0 clears it).",
            "invalid": "Enter the delay as a whole number of minutes, e.g. 20.",
            "min_value": "The delay cannot be negative (0 clears it).",
            "max_value": f"The delay is at most {services.MAX_DELAY_MINUTES} minutes.",
        },
        help_text="0 clears the delay. Every estimated time of the day shifts by it.",
    )


class CancelDayForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        error_messages={"required": "Say why the day is cancelled: patients will be told."},
        help_text="Kept on every cancelled token.",
    )


@admin.register(DoctorDay)
class DoctorDayAdmin(admin.ModelAdmin):
    list_display = ["date", "doctor", "slot_count", "delay_minutes", "cancelled", "closed_at"]
    list_filter = ["date", "doctor__department", "doctor", "cancelled"]
    date_hierarchy = "date"
    search_fields = ["doctor__name", "doctor__code"]
    fields = ["doctor", "date", "delay_minutes", "cancelled", "cancel_reason", "closed_at",
              "token_counter"]  # fmt: skip
    inlines = [SlotInline]
    actions = ["set_delay", "cancel_day"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("doctor").annotate(n_slots=Count("slots"))
        )

    def get_readonly_fields(self, request, obj=None):
        engine_only = ["delay_minutes", "cancelled", "cancel_reason", "closed_at", "token_counter"]
        return engine_only if obj is None else ["doctor", "date", *engine_only]

    @admin.display(description="Slots", ordering="n_slots")
    def slot_count(self, obj: DoctorDay) -> int:
        return obj.n_slots

    def _selected(self, queryset) -> QuerySet[DoctorDay]:
        return queryset.order_by("date", "doctor__name")

    @admin.action(description="Set delay…", permissions=["change"])
    def set_delay(self, request: HttpRequest, queryset):
        def apply(day: DoctorDay, data: dict) -> str:
            day = services.day_set_delay(
                day=day, minutes=data["minutes"], actor=request.user, now=timezone.now()
            )
            return f"delay {day.delay_minutes} min"

        return run_engine_action(
            self,
            request,
            self._selected(queryset),
            form_class=DelayForm,
            action_name="set_delay",
            title="Set how late the doctor runs",
            intro="The estimated times of every token of the selected days shift by the delay.",
            submit="Set delay",
            describe=lambda day: f"{day} — delay now {day.delay_minutes} min",
            apply=apply,
        )

    @admin.action(description="Cancel day…", permissions=["change"])
    def cancel_day(self, request: HttpRequest, queryset):
        def apply(day: DoctorDay, data: dict) -> str:
            result = services.day_cancel(
                day=day, reason=data["reason"], actor=request.user, now=timezone.now()
            )
            text = f"cancelled, {_tokens(len(result.cancelled))} cancelled"
            if result.cancelled:
                text += f" ({_numbers(result.cancelled)}): phone their patients"
            return text

        return run_engine_action(
            self,
            request,
            self._selected(queryset),
            form_class=CancelDayForm,
            action_name="cancel_day",
            title="Cancel doctor-days",
            intro="Every token still waiting on the selected days (allocated, checked in, "
            "waitlisted) is cancelled with the reason; a consultation under way may finish. "
            "A cancelled day takes no new tokens. This cannot be undone.",
            submit="Cancel these days",
            describe=lambda day: f"{day} — {day.doctor.name}",
            apply=apply,
        )
