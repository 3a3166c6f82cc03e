"""The Django admin and Swagger UI work under the Content-Security-Policy too."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.factories import make_day
from tests.pages.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def superuser(transactional_db) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


def test_the_admins_lists_and_forms_load_without_policy_violations(
    open_page, superuser, csp_violations
):
    day = make_day(2, 2)
    doctor = day.doctor
    page = open_page("/admin/scheduling/doctor/", user=superuser)
    expect(page.locator("#result_list")).to_contain_text(doctor.name)
    page.goto(page.url.split("/admin/")[0] + f"/admin/scheduling/doctor/{doctor.pk}/change/")
    expect(page.locator("input[name=name]")).to_have_value(doctor.name)
    rows = page.locator("tr.dynamic-roster")
    before = rows.count()
    page.locator(".add-row a").click()  # the admin's inlines script at work
    expect(rows).to_have_count(before + 1)
    page.goto(page.url.split("/admin/")[0] + f"/admin/scheduling/doctorday/{day.pk}/change/")
    expect(page.locator("#content h1")).to_be_visible()
    assert csp_violations == []


def test_swagger_ui_renders_the_api_without_policy_violations(open_page, csp_violations):
    page = open_page("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .title")).to_contain_text("OPD Token API")
    assert csp_violations == []
