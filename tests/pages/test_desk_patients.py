"""The desk and families on one phone: search by phone lists everyone on it, search
by name, and the names offered while a phone is typed in the issue form."""

import pytest

from tests.factories import DAY, issue, make_day
from tests.pages.conftest import HTMX, htmx_target
from tokens.models import Patient, Token
from tokens.patients import patient_register

pytestmark = pytest.mark.django_db

PHONE = "+919800000007"
PEOPLE_URL = "/desk/phone-people/"


def find(client, day, q: str) -> str:
    params = {"doctor": day.doctor.pk, "date": f"{DAY:%Y-%m-%d}", "q": q}
    return client.get("/desk/", params, **htmx_target("token-list")).content.decode()


@pytest.fixture
def family(day):
    """A mother and her son on one phone, the son also booked with another doctor,
    and a neighbour on another phone."""
    mother = issue(day, patient=patient_register(name="Asha Rao", phone=PHONE))
    son = issue(day, patient=patient_register(name="Ravi Rao", phone=PHONE))
    son_elsewhere = issue(make_day(2), patient=son.patient)
    neighbour = issue(day, patient=patient_register(name="Kiran Shah", phone="+919811112222"))
    return {"mother": mother, "son": son, "son_elsewhere": son_elsewhere, "neighbour": neighbour}


def shown(html: str, *tokens: Token) -> list[bool]:
    return [f'data-number="{t.number}"' in html for t in tokens]


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    "typed", ["+919800000007", "09800000007", "98000 00007", "+91 98000-00007"]
)
def test_a_phone_typed_any_way_finds_every_token_of_everyone_on_it(desk, day, family, typed):
    html = find(desk, day, typed)
    assert shown(html, family["mother"], family["son"], family["son_elsewhere"]) == [True] * 3
    assert shown(html, family["neighbour"]) == [False]


def test_the_last_digits_of_a_phone_still_find_it(desk, day, family):
    html = find(desk, day, "00007")
    assert shown(html, family["mother"], family["son"], family["neighbour"]) == [True, True, False]


@pytest.mark.parametrize("typed", ["ravi", "RAVI RAO", "  ravi   rao "])
def test_a_name_finds_that_persons_tokens_across_doctors(desk, day, family, typed):
    html = find(desk, day, typed)
    assert shown(html, family["son"], family["son_elsewhere"]) == [True, True]
    assert shown(html, family["mother"], family["neighbour"]) == [False, False]


def test_a_family_name_finds_the_whole_family(desk, day, family):
    html = find(desk, day, "rao")
    assert shown(html, family["mother"], family["son"], family["neighbour"]) == [True, True, False]


def test_a_token_number_is_still_found(desk, day, family):
    html = find(desk, day, family["neighbour"].number)
    assert shown(html, family["neighbour"], family["mother"]) == [True, False]


def test_a_search_that_matches_nobody_says_so(desk, day, family):
    assert "No token matches" in find(desk, day, "Nobody Known")


# --------------------------------------------------------------------------- issuing


def test_the_desk_issues_a_mother_and_her_child_on_one_phone(desk, day):
    url = f"/desk/days/{day.pk}/issue/"
    for name, phone in (("Asha Rao", "98000 00007"), ("Meera Rao", "09800000007")):
        response = desk.post(url, {"name": name, "phone": phone, "source": "walk_in"}, **HTMX)
        assert response.status_code == 200
    assert sorted(Token.objects.values_list("patient__name", flat=True)) == [
        "Asha Rao",
        "Meera Rao",
    ]
    assert set(Patient.objects.values_list("phone", flat=True)) == {PHONE}


def test_the_issue_form_asks_who_is_on_the_typed_phone(desk, day):
    params = {"doctor": day.doctor.pk, "date": f"{DAY:%Y-%m-%d}"}
    html = desk.get("/desk/", params).content.decode()
    assert f'hx-get="{PEOPLE_URL}"' in html
    # Typed, pasted or autofilled; not again on leaving the field (Tab to the people).
    assert 'hx-trigger="input changed delay:300ms"' in html
    assert 'hx-target="#phone-people"' in html
    assert '<div id="phone-people" class="phone-people" aria-live="polite"></div>' in html


# --------------------------------------------------------------------------- who is on the phone


def test_it_offers_everyone_on_the_phone_by_name(desk, family):
    patient_register(name="Baby Rao", phone=PHONE, external_id="H-12")
    response = desk.get(PEOPLE_URL, {"phone": "098000 00007"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.index("Asha Rao") < html.index("Baby Rao") < html.index("Ravi Rao")
    assert 'data-fill-name="Asha Rao"' in html and 'type="button"' in html
    assert "H-12" in html
    assert "Kiran" not in html


def test_it_escapes_the_names_it_offers(desk):
    patient_register(name='<b onclick="x()">Asha</b>', phone=PHONE)
    html = desk.get(PEOPLE_URL, {"phone": PHONE}, **HTMX).content.decode()
    assert "<b onclick" not in html and "&lt;b onclick=&quot;x()&quot;&gt;Asha&lt;/b&gt;" in html


@pytest.mark.parametrize("phone", ["+919800000009", "", "12", "12ab", "call me", "9" * 300])
def test_it_offers_nobody_for_an_unknown_or_unfinished_phone(desk, family, phone):
    response = desk.get(PEOPLE_URL, {"phone": phone}, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_it_offers_nobody_without_a_phone_parameter(desk):
    response = desk.get(PEOPLE_URL, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_it_offers_at_most_twelve_and_says_how_many_more(desk):
    for n in range(15):
        patient_register(name=f"Resident {n:02d}", phone=PHONE)
    html = desk.get(PEOPLE_URL, {"phone": PHONE}, **HTMX).content.decode()
    assert html.count("data-fill-name=") == 12
    assert "and 3 more" in html


def test_it_sends_a_signed_out_user_to_sign_in(client):
    response = client.get(PEOPLE_URL, {"phone": PHONE})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("user", ["portal_user", "doctor_user"])
def test_it_refuses_everyone_but_the_desk(client, request, user):
    patient_register(name="Asha Rao", phone=PHONE)
    client.force_login(request.getfixturevalue(user))
    response = client.get(PEOPLE_URL, {"phone": PHONE}, **HTMX)
    assert response.status_code == 403
    assert b"Asha Rao" not in response.content


def test_an_administrator_may_ask(client, admin_user):
    patient_register(name="Asha Rao", phone=PHONE)
    client.force_login(admin_user)
    assert b"Asha Rao" in client.get(PEOPLE_URL, {"phone": PHONE}).content


def test_it_answers_only_get(desk):
    assert desk.post(PEOPLE_URL, {"phone": PHONE}).status_code == 405
