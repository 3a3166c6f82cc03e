"""What the messages say, and that no log line ever holds a patient's phone."""

import json

import pytest

from notifications import delivery
from notifications.delivery import FAILED, SENT
from notifications.messages import TEXTS, doctor_title, load, render_sms, status_url
from tests.conftest import at
from tests.factories import PatientFactory, issue, make_day, slots_of
from tests.notifications.test_delivery import T0
from tokens.models import Channel, Notification, Token
from tokens.public_codes import token_from_public_code, token_public_code
from tokens.selectors import token_placement
from tokens.services import (
    day_cancel,
    day_set_delay,
    slot_close,
    token_call,
    token_cancel,
    token_check_in,
    token_mark_no_show,
    token_reallocate,
)


@pytest.fixture
def told(outbox):
    """Run an engine call; the texts of the SMS it recorded, in order."""

    def run(change) -> list[str]:
        outbox.new()
        change()
        return [text_of(n) for n in outbox.new() if n.channel == Channel.SMS]

    return run


def text_of(notice: Notification) -> str:
    notification = load(notice.pk)
    return render_sms(
        notification, now=at(8), placement=token_placement(notification.token, now=at(8))
    )


def link(token: Token) -> str:
    return f"https://opd.hospital.example/t/{token_public_code(token)}/"


def test_a_closed_slot_reads_as_in_the_issue(told):
    day = make_day(2, 2, 2)
    day.doctor.name = "Sharma"
    day.doctor.save()
    first = slots_of(day)[0]
    token = issue(day, slot=first)
    assert told(lambda: slot_close(slot=first, now=at(8, 30))) == [
        f"OPD token {token.number}: moved to 10:00 (Dr Sharma's 09:00 slot was closed). "
        f"Live status: {link(token)}"
    ]


def test_an_issued_token_gives_its_slot_and_estimate(day, told):
    [text] = told(lambda: issue(day))
    token = Token.objects.get()
    assert text == (
        f"OPD token {token.number}: Dr {day.doctor.name}, 7 Jan, 09:00 slot, about 09:00. "
        f"Live status: {link(token)}"
    )


def test_a_waitlisted_token_gives_its_place(told):
    day = make_day(1)
    issue(day)
    [text] = told(lambda: issue(day))
    token = Token.objects.order_by("seq").last()
    assert text.startswith(f"OPD token {token.number}: Dr {day.doctor.name}, 7 Jan: no. 1 on ")
    assert "we will text you when a seat frees" in text


def test_a_displacement_names_the_new_slot_or_the_waitlist(told):
    day = make_day(1, 1)
    first, second = slots_of(day)
    victim = issue(day, slot=first)
    issue(day, slot=second)
    texts = told(lambda: issue(day, "paid", slot=first))
    assert texts[1] == (
        f"OPD token {victim.number}: a priority patient took Dr {day.doctor.name}'s 09:00 "
        f"slot; you are on the waitlist. Live status: {link(victim)}"
    )


def test_a_reallocation_a_call_and_a_cancelled_day(told, day):
    doctor = day.doctor.name
    first, _, third = slots_of(day)
    a = issue(day, slot=third)
    [moved] = told(lambda: token_reallocate(token=a, slot=first, now=at(8, 10)))
    assert (
        moved
        == f"OPD token {a.number}: moved to Dr {doctor}'s 09:00 slot, 7 Jan. Live status: {link(a)}"
    )
    token_check_in(token=a, now=at(9))
    day.doctor.room = "4"
    day.doctor.save()
    [called] = told(lambda: token_call(token=a, now=at(9, 1)))
    assert called == f"OPD token {a.number}: please go in to Dr {doctor} now (room 4)."
    b = issue(day)
    [cancelled] = told(lambda: day_cancel(day=day, reason="Doctor unwell", now=at(9, 5)))
    assert cancelled == (
        f"OPD token {b.number}: Dr {doctor}'s OPD on 7 Jan is cancelled (Doctor unwell). "
        "Please book again."
    )


def test_a_promotion_names_the_slot(told):
    day = make_day(1)
    seated, waiting = issue(day), issue(day)
    [promoted] = told(lambda: token_cancel(token=seated, now=at(8, 5)))
    assert promoted == (
        f"OPD token {waiting.number}: a seat is free for you: Dr {day.doctor.name}, 7 Jan, "
        f"09:00 slot. Live status: {link(waiting)}"
    )


def test_a_delay_gives_the_new_estimate(day, told):
    token = issue(day)
    [text] = told(lambda: day_set_delay(day=day, minutes=20, now=at(8, 30)))
    assert text == (
        f"OPD token {token.number}: Dr {day.doctor.name} is running 20 min late; your "
        f"estimated time is now 09:20. Live status: {link(token)}"
    )


def test_the_link_uses_the_public_address(day, settings):
    settings.OPD_PUBLIC_URL = "https://opd.example.org/hospital"
    token = issue(day)
    code = token_public_code(token)
    assert status_url(token) == f"https://opd.example.org/hospital/t/{code}/"
    assert token_from_public_code(code) == token


def test_without_a_public_address_a_message_has_no_link(day, told, settings):
    settings.OPD_PUBLIC_URL = ""
    [text] = told(lambda: issue(day))
    token = Token.objects.get()
    assert text == (
        f"OPD token {token.number}: Dr {day.doctor.name}, 7 Jan, 09:00 slot, about 09:00."
    )


def test_a_message_about_a_finished_visit_has_no_link(day, told):
    token = issue(day)
    [text] = told(lambda: token_mark_no_show(token=token, now=at(9, 30)))
    assert text == (
        f"OPD token {token.number} (Dr {day.doctor.name}, 7 Jan) was marked as not attended. "
        "Please book again if you still need to be seen."
    )


def test_every_text_is_a_format_with_named_placeholders_only():
    for key, text in TEXTS.items():
        assert "%(number)s" in text, key
        assert "%s" not in text and "{" not in text, key


def test_a_hindi_message_renders(day, outbox, settings):
    settings.OPD_NOTIFY_LANGUAGE = "hi"
    token = issue(day)
    [notice] = outbox.new()
    text = text_of(notice)
    assert notice.language == "hi"
    assert text.startswith(f"ओपीडी टोकन {token.number}") and "OPD token" not in text


def test_sms_texts_stay_short(day, outbox):
    issue(day)
    [notice] = outbox.new()
    text = text_of(notice)
    assert len(text) - len(status_url(notice.token)) <= 110


# --------------------------------------------------------------------------- no phone in logs


def test_the_console_backend_logs_the_text_with_the_phone_masked(day, outbox, log_lines):
    patient = PatientFactory(phone="+919876501234")
    issue(day, patient=patient)
    [notice] = outbox.new()
    assert delivery.deliver(notice.pk, now=T0) == SENT
    lines = [line for line in log_lines() if line["logger"] == "opd.notify"]
    assert [line["message"].split(":")[0] for line in lines] == [
        "sms to +91******1234",
        "notification sent",
    ]
    assert "OPD token" in lines[0]["message"]
    assert "9876501234" not in json.dumps(log_lines())


def test_a_gateway_echoing_the_phone_never_puts_it_in_a_log_or_the_error(
    day, outbox, log_lines, http_sms
):
    http_sms.status = 400
    http_sms.answer = b'{"error": "cannot deliver to +919876501234 (9876501234)"}'
    issue(day, patient=PatientFactory(phone="+919876501234"))
    [notice] = outbox.new()
    assert delivery.deliver(notice.pk, now=T0) == FAILED
    row = Notification.objects.get(pk=notice.pk)
    assert "+91******1234" in row.last_error
    assert "9876501234" not in row.last_error
    text = json.dumps(log_lines())
    assert "notification failed" in text
    assert "9876501234" not in text


@pytest.mark.parametrize(
    ("stored", "told"),
    [("Sharma", "Dr Sharma"), ("Dr Asha Sharma", "Dr Asha Sharma"), ("dr. Rao", "dr. Rao")],
)
def test_a_doctor_is_named_with_one_title(stored, told):
    assert doctor_title(stored) == told
