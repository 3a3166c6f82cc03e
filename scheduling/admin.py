"""The administrators' tool: departments, doctors with their weekly roster,
doctor-days with their slots, and slot generation from the rosters."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from scheduling.models import Department, Doctor, DoctorDay, RosterSession, Slot
from scheduling.services import slots_generate
from tokens.models import SEAT_HOLDING


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "doctor_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_doctors=Count("doctors"))

    @admin.display(description="Doctors", ordering="n_doctors")
    def doctor_count(self, obj: Department) -> int:
        return obj.n_doctors


class RosterSessionInline(admin.TabularInline):
    model = RosterSession
    extra = 1
    fields = [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
        "start", "end", "slot_minutes", "capacity",
    ]  # fmt: skip


class GenerateSlotsForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("The end date is before the start date.")
        if start and end and (end - start).days > 366:
            raise ValidationError("Generate at most one year at a time.")
        return data


@admin.register(Doctor)
class DoctorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "room", "active", "roster_summary"]
    list_filter = ["department", "active"]
    search_fields = ["name", "code"]
    inlines = [RosterSessionInline]
    actions = ["generate_slots"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roster")

    @admin.display(description="Weekly roster")
    def roster_summary(self, obj: Doctor) -> str:
        return "; ".join(str(s) for s in obj.roster.all()) or "—"

    @admin.action(description="Generate slots from the roster for a date range…")
    def generate_slots(self, request: HttpRequest, queryset):
        if "apply" in request.POST:
            form = GenerateSlotsForm(request.POST)
            if form.is_valid():
                created = skipped = 0
                for doctor in queryset:
                    result = slots_generate(
                        date_from=form.cleaned_data["date_from"],
                        date_to=form.cleaned_data["date_to"],
                        doctor=doctor,
                    )
                    created += len(result.created)
                    skipped += result.skipped
                self.message_user(
                    request,
                    f"Created {created} slots; {skipped} already existed and were left alone.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.get_full_path())
        else:
            today = timezone.localdate()
            form = GenerateSlotsForm(
                initial={"date_from": today, "date_to": today + dt.timedelta(days=6)}
            )
        return render(
            request,
            "admin/scheduling/generate_slots.html",
            {
                **self.admin_site.each_context(request),
                "title": "Generate slots from the roster",
                "form": form,
                "doctors": queryset,
                "opts": self.model._meta,
                "action_name": "generate_slots",
            },
        )


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    fields = ["start", "end", "capacity", "occupancy", "closed", "closed_reason"]
    readonly_fields = ["occupancy"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_occupied=Count("tokens", filter=Q(tokens__status__in=SEAT_HOLDING)))
        )

    @admin.display(description="Occupied / capacity")
    def occupancy(self, obj: Slot) -> str:
        if obj.pk is None:
            return "—"
        return f"{obj.n_occupied} / {obj.capacity}"


@admin.register(DoctorDay)
class DoctorDayAdmin(admin.ModelAdmin):
    list_display = ["date", "doctor", "slot_count", "delay_minutes", "cancelled", "closed_at"]
    list_filter = ["date", "doctor__department", "doctor", "cancelled"]
    date_hierarchy = "date"
    search_fields = ["doctor__name", "doctor__code"]
    readonly_fields = ["token_counter", "closed_at", "cancelled", "cancel_reason"]
    fields = ["doctor", "date", "delay_minutes", "cancelled", "cancel_reason", "closed_at",
              "token_counter"]  # fmt: skip
    inlines = [SlotInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("doctor").annotate(n_slots=Count("slots"))
        )

    @admin.display(description="Slots", ordering="n_slots")
    def slot_count(self, obj: DoctorDay) -> int:
        return obj.n_slots


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["day", "label", "capacity", "occupancy", "closed"]
    list_filter = ["day__date", "day__doctor", "day__doctor__department", "closed"]
    date_hierarchy = "day__date"
    search_fields = ["day__doctor__name", "day__doctor__code"]
    list_select_related = ["day__doctor"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_occupied=Count("tokens", filter=Q(tokens__status__in=SEAT_HOLDING)))
        )

    @admin.display(description="Time")
    def label(self, obj: Slot) -> str:
        return obj.label

    @admin.display(description="Occupied", ordering="n_occupied")
    def occupancy(self, obj: Slot) -> str:
        return f"{obj.n_occupied} / {obj.capacity}"
