"""The hall display's voice and languages: each panel carries its now-serving number
and what to say for it (static/js/hall-voice.js compares and speaks); ?sound=off;
?lang=hi and OPD_PATIENT_LANGUAGE."""

import pytest
from django.utils import timezone

from tests.factories import issue, make_day
from tests.pages.conftest import htmx_target
from tokens.pages.boards import spell_out
from tokens.services import token_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def called(doctor):
    """Today: SHA-001 with the doctor in room 101, SHA-002 waiting."""
    day = make_day(3, 3, date=timezone.localdate(), doctor=doctor)
    first, _ = issue(day, "walk_in"), issue(day, "walk_in")
    token_call(token=first, now=first.requested_at)
    return first


def test_numbers_are_spelled_out_for_the_voice():
    assert spell_out("SHA-014") == "S H A 0 1 4"
    assert spell_out("SUBRAM-1002") == "S U B R A M 1 0 0 2"


def test_each_panel_carries_its_number_and_announcement(client, doctor, called):
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert f'data-now-serving="{called.number}"' in html
    assert 'data-announce="Token S H A 0 0 1, room 101"' in html
    assert (
        '<div id="hall-voice" class="hall-voice" data-sound="on" data-speech-lang="en-IN">' in html
    )
    assert 'src="/static/js/hall-voice.js"' in html
    assert "Tap to enable sound" in html
    assert 'data-sound-toggle aria-pressed="true"' in html


def test_a_panel_without_a_room_says_the_number_only(client, doctor, called):
    doctor.room = ""
    doctor.save()
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert 'data-announce="Token S H A 0 0 1"' in html


def test_nobody_called_announces_nothing(client, doctor):
    make_day(3, date=timezone.localdate(), doctor=doctor)
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert 'data-now-serving="" data-announce=""' in html


def test_sound_off_is_a_board_option(client, doctor, called):
    html = client.get(f"/display/?doctor={doctor.pk}&sound=off").content.decode()
    assert 'data-sound="off"' in html
    assert "data-sound-toggle" not in html and "data-sound-unlock" not in html
    assert 'id="hall-call"' in html  # the banner still shows the number


def test_the_refresh_carries_the_numbers_too(client, doctor, called):
    html = client.get(f"/display/?doctor={doctor.pk}", **htmx_target("hall-board")).content
    assert f'data-now-serving="{called.number}"'.encode() in html
    assert b"hall-voice" not in html  # the banner and the buttons stay out of the swap


def test_the_board_in_hindi(client, doctor, called):
    html = client.get(f"/display/?doctor={doctor.pk}&lang=hi").content.decode()
    assert '<html lang="hi">' in html
    assert "अभी बारी" in html  # Now serving
    assert "कमरा 101" in html  # Room 101
    assert "अगले" in html  # Next
    assert 'data-announce="टोकन S H A 0 0 1, कमरा 101"' in html
    assert 'data-speech-lang="hi-IN"' in html
    assert "आवाज़ चालू करने के लिए छुएँ" in html  # Tap to enable sound
    assert "Now serving" not in html
    assert called.patient.name not in html


def test_the_patients_language_setting_makes_hindi_the_default(client, doctor, called, settings):
    settings.OPD_PATIENT_LANGUAGE = "hi"
    html = client.get(f"/display/?doctor={doctor.pk}").content.decode()
    assert '<html lang="hi">' in html and "अभी बारी" in html
    html = client.get(f"/display/?doctor={doctor.pk}&lang=en").content.decode()
    assert '<html lang="en">' in html and "Now serving" in html


def test_the_delay_in_hindi(client, doctor, called):
    day = called.day
    day.delay_minutes = 20
    day.save()
    html = client.get(f"/display/?doctor={doctor.pk}&lang=hi").content.decode()
    assert "लगभग 20 मिनट की देरी" in html


def test_the_chooser_stays_english(client, doctor):
    html = client.get("/display/?lang=hi").content.decode()
    assert '<html lang="en">' in html
    assert "Waiting-hall display" in html
