"""Forms of the staff pages: they parse and validate input only. Who may do what
and every allocation rule stay in tokens.roles and tokens.services."""

from django import forms
from django.core.exceptions import ValidationError

from scheduling.models import Department, Doctor
from tokens.errors import InvalidRequest
from tokens.models import Source
from tokens.patients import phone_normalise


class DeskFilterForm(forms.Form):
    """Which doctor-day the desk shows, and an optional token search."""

    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    doctor = forms.ModelChoiceField(
        queryset=Doctor.objects.filter(active=True).select_related("department"), required=False
    )
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    q = forms.CharField(required=False, max_length=40, strip=True)


class IssueForm(forms.Form):
    """A token request typed at the desk. ``slot`` empty means the earliest slot."""

    # A name of only spaces strips to nothing: it is "required" that says so, in our words.
    name = forms.CharField(
        max_length=120, strip=True, error_messages={"required": "Enter the patient's name."}
    )
    phone = forms.CharField(
        max_length=24, error_messages={"required": "Enter the patient's phone number."}
    )
    source = forms.ChoiceField(choices=Source.choices, initial=Source.WALK_IN)
    slot = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, sources: tuple[str, ...] = tuple(Source), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the sources this user's role may issue (tokens.roles.allowed_sources).
        self.fields["source"].choices = [c for c in Source.choices if c[0] in sources]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Enter the patient's name.")
        return name

    def clean_phone(self) -> str:
        # One form for every way of typing a number: "98123 45678" → "+919812345678".
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidRequest as exc:
            raise ValidationError(exc.detail) from None


class ReallocateForm(forms.Form):
    slot = forms.IntegerField(min_value=1, error_messages={"required": "Choose a slot."})


class DisplayForm(forms.Form):
    """What the waiting-hall board shows: one department, or chosen doctors."""

    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    doctor = forms.ModelMultipleChoiceField(
        queryset=Doctor.objects.filter(active=True), required=False
    )


class DoctorPickForm(forms.Form):
    """An administrator looking at another doctor's queue."""

    doctor = forms.ModelChoiceField(queryset=Doctor.objects.filter(active=True), required=False)
