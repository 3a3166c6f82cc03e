"""Tokens are read-only in the admin: every change goes through the engine
(desk, API, commands) so that it is checked and lands in the audit trail."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from tokens import errors
from tokens.models import Patient, Token, TokenEvent
from tokens.patients import phone_normalise


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TokenEventInline(admin.TabularInline):
    model = TokenEvent
    fk_name = "token"
    extra = 0
    fields = ["at", "kind", "from_status", "to_status", "from_slot", "to_slot", "caused_by",
              "actor", "reason"]  # fmt: skip
    readonly_fields = fields
    ordering = ["id"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "from_slot", "to_slot", "caused_by", "actor", "from_slot__day__doctor",
            "to_slot__day__doctor",
        )  # fmt: skip


@admin.register(Token)
class TokenAdmin(ReadOnlyAdmin):
    list_display = ["number", "patient_name", "source", "status", "day", "slot_label",
                    "overbooked", "displaced_count", "requested_at"]  # fmt: skip
    list_filter = ["status", "source", "day__date", "day__doctor", "overbooked"]
    search_fields = ["number", "patient__phone", "patient__name"]
    date_hierarchy = "day__date"
    list_select_related = ["patient", "slot", "day__doctor"]
    inlines = [TokenEventInline]

    @admin.display(description="Patient", ordering="patient__name")
    def patient_name(self, obj: Token) -> str:
        return obj.patient.name

    @admin.display(description="Slot")
    def slot_label(self, obj: Token) -> str:
        return obj.slot.label if obj.slot else "waitlist"


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["name", "phone", "external_id"]

    def clean_phone(self) -> str:
        # The one stored form (E.164), as every booking stores it.
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except errors.InvalidRequest as exc:
            raise ValidationError(exc.detail) from None


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    form = PatientForm
    list_display = ["name", "phone", "external_id", "created_at"]
    search_fields = ["name", "phone", "external_id"]


@admin.register(TokenEvent)
class TokenEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "token", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind", "day__date"]
    search_fields = ["token__number", "token__patient__phone"]
    list_select_related = ["token", "actor"]
