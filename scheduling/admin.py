"""The administrators' tool: departments, doctors with their weekly roster, and
slot generation from the rosters.

Doctor-days and slots are administered in ``tokens.admin.schedule``: their seats
change only through the allocation engine, and ``scheduling`` imports nothing
from ``tokens``."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from scheduling.models import Department, Doctor, RosterSession
from scheduling.services import slots_generate


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


def _date_picker() -> forms.DateInput:
    # <input type="date"> takes only ISO dates: a localised 02/12/2026 leaves it blank.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GenerateSlotsForm(forms.Form):
    date_from = forms.DateField(label="From", widget=_date_picker())
    date_to = forms.DateField(label="To (inclusive)", widget=_date_picker())

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
