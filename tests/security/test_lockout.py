"""Brute-force protection of sign-in: /login/, the admin's login and the API's
POST /api/v1/auth/token/ share one lockout per username and address."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_user
from tokens.roles import RECEPTION

pytestmark = pytest.mark.django_db

RIGHT = "right-horse-battery"
LIMIT = 5  # settings: OPD_LOGIN_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rita(db):
    return make_user("rita", RECEPTION, password=RIGHT)


def sign_in(client: Client, password: str, username: str = "rita", **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def get_token(client: APIClient, password: str, username: str = "rita", **extra):
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token/", body, format="json", **extra)


def fail(times: int, attempt, client) -> list:
    return [attempt(client, "wrong") for _ in range(times)]


def test_the_fifth_wrong_password_locks_the_login_page(client, rita):
    responses = fail(LIMIT, sign_in, client)
    assert [r.status_code for r in responses] == [200] * (LIMIT - 1) + [429]
    assert "Too many failed sign-ins. Try again in 15 minutes." in responses[-1].content.decode()
    assert 890 <= int(responses[-1]["Retry-After"]) <= 900


def test_a_locked_out_user_cannot_sign_in_even_with_the_right_password(client, rita):
    fail(LIMIT, sign_in, client)
    response = sign_in(client, RIGHT)
    assert response.status_code == 429
    assert 'data-code="locked_out"' in response.content.decode()
    assert client.get("/desk/").status_code == 302  # still signed out


def test_the_right_password_before_the_limit_resets_the_count(client, rita):
    fail(LIMIT - 1, sign_in, client)
    assert sign_in(client, RIGHT).status_code == 302
    client.post("/logout/")
    assert [r.status_code for r in fail(LIMIT - 1, sign_in, client)] == [200] * (LIMIT - 1)
    assert sign_in(client, RIGHT).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, rita):
    fail(LIMIT, sign_in, client)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert sign_in(client, RIGHT).status_code == 302


def test_the_lockout_holds_one_username_at_one_address_only(client, rita):
    make_user("ravi", RECEPTION, password=RIGHT)
    fail(LIMIT, sign_in, client)
    # The same person at another desk, and a colleague at this one, still sign in.
    assert sign_in(Client(REMOTE_ADDR="10.1.2.3"), RIGHT).status_code == 302
    assert sign_in(Client(), RIGHT, username="ravi").status_code == 302


def test_behind_the_proxy_the_address_is_the_one_it_forwarded(settings, rita):
    settings.OPD_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    for forged in range(LIMIT):
        # A client-written X-Forwarded-For entry is not its address: still one client.
        sign_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"6.6.6.{forged}, 203.0.113.9")
    assert sign_in(client, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert sign_in(client, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def test_the_admin_login_shares_the_lockout(client, rita):
    fail(LIMIT, sign_in, client)
    response = client.post("/admin/login/", {"username": "rita", "password": RIGHT})
    assert response.status_code == 429


def test_the_token_endpoint_locks_out_with_a_json_error(rita):
    client = APIClient()
    responses = fail(LIMIT, get_token, client)
    assert [r.status_code for r in responses] == [400] * (LIMIT - 1) + [429]
    response = get_token(client, RIGHT)
    assert response.status_code == 429
    assert response.json() == {
        "code": "locked_out",
        "detail": "Too many failed sign-ins. Try again in 15 minutes.",
    }
    assert 1 <= int(response["Retry-After"]) <= 900


def test_the_token_endpoint_resets_the_count_on_success(rita):
    client = APIClient()
    fail(LIMIT - 1, get_token, client)
    assert get_token(client, RIGHT).status_code == 200
    assert [r.status_code for r in fail(LIMIT - 1, get_token, client)] == [400] * (LIMIT - 1)
    assert get_token(client, RIGHT).status_code == 200


def test_a_lockout_on_the_login_page_also_closes_the_api(client, rita):
    fail(LIMIT, sign_in, client)
    assert get_token(APIClient(), RIGHT).status_code == 429


def test_an_unknown_username_is_locked_out_like_a_real_one(db):
    """Otherwise the lockout would tell which usernames exist."""
    client = APIClient()
    statuses = [r.status_code for r in fail(LIMIT, lambda c, p: get_token(c, p, "nobody"), client)]
    assert statuses == [400] * (LIMIT - 1) + [429]
