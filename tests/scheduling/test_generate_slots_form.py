"""The admin's "Generate slots from the roster" page opens with its dates filled in:
an <input type="date"> shows only an ISO value (2026-12-02); Chromium leaves a
localised 02/12/2026 blank (tests/browser/test_admin_dates_in_browser.py)."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from scheduling.admin import GenerateSlotsForm
from tests.factories import DoctorFactory


def date_inputs(html: str) -> dict[str, str]:
    return {
        name: value
        for tag in re.findall(r"<input [^>]*>", html)
        if 'type="date"' in tag
        for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', tag)
    }


def test_the_date_fields_render_iso_dates_under_the_british_locale():
    form = GenerateSlotsForm(
        initial={"date_from": dt.date(2026, 12, 2), "date_to": dt.date(2026, 12, 8)}
    )
    assert date_inputs(str(form)) == {"date_from": "2026-12-02", "date_to": "2026-12-08"}


def test_they_read_back_what_they_render():
    form = GenerateSlotsForm({"date_from": "2026-12-02", "date_to": "2026-12-08"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_from"] == dt.date(2026, 12, 2)
    # A rejected form shows the dates as they were typed, still ISO.
    bad = GenerateSlotsForm({"date_from": "2026-12-08", "date_to": "2026-12-02"})
    assert not bad.is_valid()
    assert date_inputs(str(bad)) == {"date_from": "2026-12-08", "date_to": "2026-12-02"}


@pytest.mark.django_db
def test_the_admin_action_page_offers_this_week_in_iso(client):
    client.force_login(User.objects.create_superuser("boss", password="pw-123456"))
    doctor = DoctorFactory()
    page = client.post(
        "/admin/scheduling/doctor/",
        {"action": "generate_slots", "_selected_action": [doctor.pk]},
    )
    assert page.status_code == 200
    today = timezone.localdate()
    assert date_inputs(page.content.decode()) == {
        "date_from": today.isoformat(),
        "date_to": (today + dt.timedelta(days=6)).isoformat(),
    }
