"""Phone numbers on staff screens: masked in the desk's lists, in full only where
reception must dial them, never on the hall display."""

import pytest
from django.utils import timezone

from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day
from tests.pages.test_desk import desk_url
from tokens.services import day_cancel, token_call, token_cancel
from tokens.templatetags.phones import mask_phone

pytestmark = pytest.mark.django_db

PHONE = "+919812345678"


def test_it_keeps_the_last_four_digits():
    assert mask_phone(PHONE) == "••••••5678"
    assert mask_phone("0821-223344") == "••••••3344"
    assert mask_phone("123") == "••••••"


def test_the_desks_token_list_shows_the_masked_number(desk, day):
    issue(day, patient=PatientFactory(phone=PHONE))
    html = desk.get(desk_url(day)).content.decode()
    assert "••••••5678" in html
    assert PHONE not in html and "9812345678" not in html


def test_search_by_phone_digits_still_finds_the_token_but_shows_it_masked(desk, day):
    token = issue(day, patient=PatientFactory(phone=PHONE))
    html = desk.get(desk_url(day, q="98123 456")).content.decode()
    assert f'data-number="{token.number}"' in html
    assert "••••••5678" in html and "9812345678" not in html


def test_the_patients_to_phone_after_a_day_cancel_show_in_full(desk, day):
    kept = issue(day, patient=PatientFactory(phone=PHONE))
    gone = issue(day, patient=PatientFactory(phone="+919811112222"))
    token_cancel(token=gone, now=at(8, 5), reason="Patient cancelled")
    day_cancel(day=day, reason="Doctor unwell", now=at(8, 10))
    html = desk.get(desk_url(day)).content.decode()
    assert "Patients to phone" in html
    assert f'href="tel:{PHONE}">{PHONE}</a>' in html and kept.number in html
    assert "+919811112222" not in html  # cancelled by the patient: nobody to tell


def test_the_hall_display_shows_no_digit_of_any_phone(client, doctor):
    day = make_day(3, 3, date=timezone.localdate(), doctor=doctor)
    phones = [f"+91975318642{i}" for i in range(4)]
    tokens = [issue(day, "walk_in", patient=PatientFactory(phone=p)) for p in phones]
    token_call(token=tokens[0], now=tokens[0].requested_at)
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert tokens[0].number in html and tokens[1].number in html
    assert "97531864" not in html
    for phone in phones:
        assert phone[-4:] not in html
