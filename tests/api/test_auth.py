"""API tokens: POST /auth/token/, the Token header, sessions, create_portal_client."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token as ApiToken
from rest_framework.test import APIClient

from tests.factories import make_user


def _with_password(username: str, *groups: str) -> User:
    user = make_user(username, *groups)
    user.set_password("s3cret-pass")
    user.save()
    return user


def test_it_exchanges_a_password_for_a_token(anon, db):
    user = _with_password("rita", "reception")
    r = anon.post(
        "/api/v1/auth/token/", {"username": "rita", "password": "s3cret-pass"}, format="json"
    )
    assert r.status_code == 200 and r.json() == {"token": ApiToken.objects.get(user=user).key}


def test_it_refuses_a_wrong_password(anon, db):
    _with_password("rita", "reception")
    r = anon.post("/api/v1/auth/token/", {"username": "rita", "password": "nope"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_it_authenticates_the_token_header(anon, portal_client):
    key = ApiToken.objects.create(user=portal_client).key
    assert anon.get("/api/v1/slots/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_it_answers_401_for_an_unknown_token(anon, db):
    r = anon.get("/api/v1/slots/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_it_accepts_a_staff_session_and_enforces_csrf(reception_user, slot):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reception_user)
    assert client.get("/api/v1/tokens/").status_code == 200
    r = client.post(f"/api/v1/slots/{slot.pk}/close/", {}, format="json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    slot.refresh_from_db()
    assert slot.closed is False


def _create(name: str) -> str:
    out = StringIO()
    call_command("create_portal_client", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_it_creates_a_portal_client_and_prints_its_token_last(db):
    key = _create("hospital-web")
    user = User.objects.get(username="hospital-web")
    assert ApiToken.objects.get(user=user).key == key
    assert user.groups.filter(name="portal").exists() and not user.has_usable_password()


def test_it_prints_the_same_token_when_rerun(db):
    assert _create("hospital-web") == _create("hospital-web")
    assert User.objects.filter(username="hospital-web").count() == 1


def test_it_refuses_to_turn_a_staff_login_into_a_portal(reception_user):
    with pytest.raises(CommandError):
        _create(reception_user.username)
    assert not reception_user.groups.filter(name="portal").exists()


def test_the_printed_token_books_through_the_api(slot):
    from tests.api.conftest import booking

    key = _create("hospital-web")
    r = APIClient().post(
        "/api/v1/tokens/", booking(slot), format="json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert r.status_code == 201
