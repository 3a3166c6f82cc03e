"""The admin changes seats only through the engine: slot capacity and closing,
a day's delay and cancellation are admin actions with an intermediate form, and
read-only on the change forms (tokens/admin/schedule.py)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import connection

from tests.conftest import at
from tests.factories import PatientFactory, make_day, make_user, slots_of
from tokens.models import EventKind, Status, Token, TokenEvent
from tokens.services import day_cancel, token_issue

SLOTS = "/admin/scheduling/slot/"
DAYS = "/admin/scheduling/doctorday/"


def issue(day, source="online", slot=None):
    return token_issue(day=day, patient=PatientFactory(), source=source, slot=slot, now=at(8)).token


def act(client, url, action, objects, **data):
    """Submit an action's intermediate form (``apply``) for ``objects``."""
    return client.post(
        url,
        {"action": action, "_selected_action": [o.pk for o in objects], "apply": "1", **data},
    )


def said(response) -> list[tuple[str, str]]:
    """The messages the request left (and any still unread from the one before)."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# ------------------------------------------------------------------ capacity


def test_it_shows_the_capacity_form_with_the_selected_slots(admin_client):
    day = make_day(3)
    slot = day.slots.get()
    issue(day)
    response = admin_client.post(
        SLOTS, {"action": "change_capacity", "_selected_action": [slot.pk]}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{slot} — 1 / 3 seats taken" in html
    assert 'name="capacity"' in html and 'value="change_capacity"' in html


def test_it_raises_capacity_and_promotes_the_waitlisted(admin_client, boss):
    day = make_day(1)
    slot = day.slots.get()
    _, first, second = issue(day), issue(day), issue(day)
    assert [first.status, second.status] == [Status.WAITLISTED] * 2

    response = act(admin_client, SLOTS, "change_capacity", [slot], capacity="3")

    assert response.status_code == 302
    assert said(response) == [
        (
            "success",
            f"{slot}: capacity 3, 2 tokens promoted from the waitlist: "
            f"{first.number}, {second.number}",
        )
    ]
    slot.refresh_from_db()
    assert slot.capacity == 3
    promoted = Token.objects.filter(pk__in=[first.pk, second.pk])
    assert {t.status for t in promoted} == {Status.ALLOCATED}
    assert TokenEvent.objects.filter(kind=EventKind.PROMOTED, actor=boss).count() == 2


def test_it_refuses_a_capacity_below_the_seats_taken_and_changes_that_slot_only(admin_client):
    day = make_day(3, 3)
    busy, free = slots_of(day)
    issue(day, slot=busy), issue(day, slot=busy)

    response = act(admin_client, SLOTS, "change_capacity", [busy, free], capacity="1")

    assert said(response) == [
        (
            "error",
            f"{busy}: 2 seats of the 09:00–10:00 slot are already taken: "
            "its capacity cannot go below 2.",
        ),
        ("success", f"{free}: capacity 1"),
    ]
    assert [s.capacity for s in slots_of(day)] == [3, 1]


@pytest.mark.parametrize(
    "capacity, message",
    [
        ("abc", "Enter the number of seats as a whole number"),
        ("0", "A slot has at least 1 seat."),
        ("", "Enter the new number of seats."),
        ("2.5", "Enter the number of seats as a whole number"),
    ],
)
def test_it_re_renders_bad_capacity_input_and_changes_nothing(admin_client, capacity, message):
    day = make_day(1)
    slot = day.slots.get()
    waiting = [issue(day), issue(day)][1]

    response = act(admin_client, SLOTS, "change_capacity", [slot], capacity=capacity)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert said(response) == []
    slot.refresh_from_db()
    waiting.refresh_from_db()
    assert slot.capacity == 1 and waiting.status == Status.WAITLISTED


def test_it_reports_the_engines_refusal_on_a_cancelled_day(admin_client):
    day = make_day(2)
    slot = day.slots.get()
    day_cancel(day=day, reason="Doctor ill", now=at(7))

    response = act(admin_client, SLOTS, "change_capacity", [slot], capacity="5")

    [(level, text)] = said(response)
    assert level == "error" and text.startswith(f"{slot}: ") and "is cancelled" in text
    slot.refresh_from_db()
    assert slot.capacity == 2


# --------------------------------------------------------------------- close


def test_it_closes_slots_and_moves_their_tokens_with_events(admin_client, boss):
    day = make_day(2, 2, 2)
    closing, _, _ = slots_of(day)
    first, second = issue(day, slot=closing), issue(day, slot=closing)

    response = act(admin_client, SLOTS, "close_slots", [closing], reason="Called to theatre")

    assert said(response) == [
        (
            "success",
            f"{closing}: closed, 2 tokens moved "
            f"({first.number} → 10:00–11:00, {second.number} → 10:00–11:00)",
        )
    ]
    closing.refresh_from_db()
    assert closing.closed and closing.closed_reason == "Called to theatre"
    assert not Token.objects.filter(slot=closing).exists()
    moved = TokenEvent.objects.filter(kind=EventKind.MOVED, from_slot=closing)
    assert {(e.token_id, e.actor_id, e.reason) for e in moved} == {
        (first.pk, boss.pk, "Called to theatre"),
        (second.pk, boss.pk, "Called to theatre"),
    }


def test_it_reports_a_slot_already_closed_and_closes_the_others(admin_client):
    day = make_day(2, 2, 2)
    done, other, _ = slots_of(day)
    act(admin_client, SLOTS, "close_slots", [done], reason="Ward round")
    admin_client.get(SLOTS)  # reads that action's messages

    response = act(admin_client, SLOTS, "close_slots", [done, other], reason="Power cut")

    assert said(response) == [
        ("error", f"{done}: The 09:00–10:00 slot is already closed."),
        ("success", f"{other}: closed, 0 tokens moved"),
    ]
    done.refresh_from_db()
    assert done.closed_reason == "Ward round"


def test_it_wants_a_reason_to_close(admin_client):
    day = make_day(2)
    slot = day.slots.get()
    response = act(admin_client, SLOTS, "close_slots", [slot], reason="   ")
    assert response.status_code == 200
    assert "Say why the slots close" in response.content.decode()
    slot.refresh_from_db()
    assert not slot.closed


# ------------------------------------------------------------- change forms


def slot_form(slot, **changes) -> dict:
    data = {
        "day": slot.day_id,
        "start": slot.start.strftime("%H:%M"),
        "end": slot.end.strftime("%H:%M"),
        "capacity": slot.capacity,
        "closed_reason": "",
    }
    data.update(changes)
    return data


def test_it_ignores_capacity_and_closed_posted_to_an_existing_slots_form(admin_client):
    day = make_day(3, 3)
    slot = slots_of(day)[1]
    issue(day, slot=slot), issue(day, slot=slot)
    url = f"{SLOTS}{slot.pk}/change/"

    page = admin_client.get(url).content.decode()
    assert 'name="capacity"' not in page and 'name="closed"' not in page
    assert 'name="start"' not in page  # its times are fixed too
    assert "2 / 3" in page

    response = admin_client.post(
        url, slot_form(slot, capacity=1, closed="on", closed_reason="x", start="10:30")
    )

    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.closed, slot.closed_reason) == (3, False, "")
    assert slot.start.strftime("%H:%M") == "10:00"


def test_it_keeps_the_times_of_an_empty_existing_slot(admin_client):
    day = make_day(3, 3)
    slot = slots_of(day)[1]
    response = admin_client.post(f"{SLOTS}{slot.pk}/change/", slot_form(slot, end="10:45"))
    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.end.strftime("%H:%M") == "11:00"


def test_it_adds_a_slot_with_a_plain_form(admin_client):
    day = make_day(2)
    response = admin_client.post(
        f"{SLOTS}add/",
        {"day": day.pk, "start": "14:00", "end": "15:00", "capacity": 4, "closed_reason": ""},
    )
    assert response.status_code == 302
    assert day.slots.get(start="14:00").capacity == 4


def day_form(day, rows: list[dict], **changes) -> dict:
    """The doctor-day change form with its slot inline (prefix ``slots``)."""
    data = {
        "slots-TOTAL_FORMS": str(len(rows)), "slots-INITIAL_FORMS": str(day.slots.count()),
        "slots-MIN_NUM_FORMS": "0", "slots-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"slots-{i}-{name}": value for name, value in row.items()})
    data.update(changes)
    return data


def test_it_ignores_seats_posted_through_the_doctor_days_slot_inline(admin_client):
    day = make_day(2)
    slot = day.slots.get()
    issue(day)
    url = f"{DAYS}{day.pk}/change/"
    assert "1 / 2" in admin_client.get(url).content.decode()
    existing = {"id": slot.pk, "day": day.pk, "start": "08:00", "end": "10:00",
                "capacity": "9", "closed": "on", "closed_reason": "x"}  # fmt: skip
    added = {"id": "", "day": day.pk, "start": "11:00", "end": "12:00", "capacity": "5",
             "closed_reason": ""}  # fmt: skip

    response = admin_client.post(url, day_form(day, [existing, added], delay_minutes="90"))

    assert response.status_code == 302, response.content.decode()[:3000]
    slot.refresh_from_db()
    assert (slot.start.hour, slot.capacity, slot.closed, slot.closed_reason) == (9, 2, False, "")
    assert day.slots.get(start="11:00").capacity == 5  # a new row is a plain form
    day.refresh_from_db()
    assert day.delay_minutes == 0


# ------------------------------------------------------------ day actions


def test_it_sets_a_days_delay_through_the_engine(admin_client):
    day = make_day(2)
    response = act(admin_client, DAYS, "set_delay", [day], minutes="25")
    assert said(response) == [("success", f"{day}: delay 25 min")]
    day.refresh_from_db()
    assert day.delay_minutes == 25


def test_it_re_renders_a_bad_delay_and_changes_nothing(admin_client):
    day = make_day(2)
    response = act(admin_client, DAYS, "set_delay", [day], minutes="-5")
    assert response.status_code == 200
    assert "The delay cannot be negative" in response.content.decode()
    day.refresh_from_db()
    assert day.delay_minutes == 0


def test_it_cancels_a_day_and_lists_the_tokens_to_phone(admin_client):
    day = make_day(1)
    seated, waiting = issue(day), issue(day)

    response = act(admin_client, DAYS, "cancel_day", [day], reason="Doctor ill")

    assert said(response) == [
        (
            "success",
            f"{day}: cancelled, 2 tokens cancelled ({seated.number}, {waiting.number}): "
            "phone their patients",
        )
    ]
    day.refresh_from_db()
    assert day.cancelled and day.cancel_reason == "Doctor ill"
    assert set(Token.objects.filter(day=day).values_list("status", flat=True)) == {Status.CANCELLED}

    admin_client.get(DAYS)  # reads the messages
    again = act(admin_client, DAYS, "cancel_day", [day], reason="Twice")
    [(level, text)] = said(again)
    assert level == "error" and "is cancelled" in text


# ------------------------------------------------------ the admin group


def grant_admin_group() -> None:
    """The migration's grant, run again: transactional tests elsewhere flush the
    permissions it gave (pytest-django re-creates the permissions, not the grant)."""
    migration = importlib.import_module("tokens.migrations.0006_admin_group_permissions")

    class SchemaEditor:
        pass

    editor = SchemaEditor()
    editor.connection = connection
    [grant] = migration.Migration.operations
    grant.code(apps, editor)


def test_it_lets_a_staff_login_of_the_admin_group_run_the_capacity_action(client, db):
    grant_admin_group()
    user = make_user("anand", "admin", is_staff=True)
    day = make_day(1)
    slot = day.slots.get()
    issue(day), issue(day)
    client.force_login(user)

    assert client.get(SLOTS).status_code == 200
    assert client.get(f"{DAYS}{day.pk}/change/").status_code == 200
    assert client.get("/admin/tokens/token/").status_code == 200
    response = act(client, SLOTS, "change_capacity", [slot], capacity="2")

    assert said(response)[0][0] == "success"
    slot.refresh_from_db()
    assert slot.capacity == 2
    assert Token.objects.filter(day=day, status=Status.ALLOCATED).count() == 2


def test_it_keeps_staff_outside_the_admin_group_out(client, db):
    grant_admin_group()
    client.force_login(make_user("rita", "reception", is_staff=True))
    assert client.get(SLOTS).status_code == 403
