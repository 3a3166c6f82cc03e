"""Chromium shows the admin's "Generate slots from the roster" dates (ISO values; a
localised 02/12/2026 would leave the date pickers blank), and the admin's icon."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import DoctorFactory
from tests.pages.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def superuser(transactional_db) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


def test_generate_slots_opens_with_this_week_filled_in(open_page, superuser, csp_violations):
    doctor = DoctorFactory()
    page = open_page("/admin/scheduling/doctor/", user=superuser)
    expect(page.locator("#site-name")).to_have_text("OPD Token administration")
    page.locator(f"input[name=_selected_action][value='{doctor.pk}']").check()
    page.select_option("select[name=action]", "generate_slots")
    page.locator("button[name=index]").click()
    today = timezone.localdate()
    # input_value is what the browser holds: "" when it rejected the rendered value.
    expect(page.locator("input[name=date_from]")).to_have_value(today.isoformat())
    expect(page.locator("input[name=date_to]")).to_have_value(
        (today + dt.timedelta(days=6)).isoformat()
    )
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon.endswith(".svg")
    assert page.request.get(page.url.split("/admin/")[0] + icon).ok
    assert csp_violations == []
