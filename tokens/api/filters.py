"""Query filters of the list endpoints (django-filter)."""

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from scheduling.models import Doctor, Slot
from tokens.models import Source, Status, Token
from tokens.selectors import bookable_q


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter alone would accept 1.5)."""

    field_class = forms.IntegerField


class DoctorFilter(django_filters.FilterSet):
    department = IdFilter(field_name="department_id")

    class Meta:
        model = Doctor
        fields = ["department"]


class SlotFilter(django_filters.FilterSet):
    doctor = IdFilter(field_name="day__doctor_id")
    date = django_filters.DateFilter(field_name="day__date")
    department = IdFilter(field_name="day__doctor__department_id")
    available = django_filters.BooleanFilter(
        method="filter_available",
        label="Bookable now: open, not ended, with a free seat (false: the others).",
    )

    class Meta:
        model = Slot
        fields = ["doctor", "date", "department", "available"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_available(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        bookable = bookable_q(timezone.now())
        return queryset.filter(bookable) if value else queryset.exclude(bookable)


class TokenFilter(django_filters.FilterSet):
    doctor = IdFilter(field_name="day__doctor_id")
    date = django_filters.DateFilter(field_name="day__date")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    slot = IdFilter(field_name="slot_id")

    class Meta:
        model = Token
        fields = ["doctor", "date", "status", "source", "slot"]
