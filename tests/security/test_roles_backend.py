"""Signing in through the form, and finding the signed-in user again with their roles
in one query (tokens.auth_backends.RolesBackend): what every screen's poll pays."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import DoctorFactory, make_user
from tokens.roles import ADMIN, DOCTOR, RECEPTION

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase"


def sign_in(client, user) -> None:
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "tokens.auth_backends.RolesBackend"


def user_queries(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in queries if "auth_user" in q["sql"]]


def test_a_signed_in_request_reads_the_user_and_their_roles_in_one_query(client):
    sign_in(client, make_user("rita", RECEPTION, password=PASSWORD))
    status, reads = user_queries(client, "/desk/")
    assert status == 200  # the role check passed on the roles of that one query
    assert len(reads) == 1 and "auth_group" in reads[0]


@pytest.mark.parametrize(
    ("roles", "desk", "queue"), [((RECEPTION,), 200, 403), ((DOCTOR,), 403, 200)]
)
def test_the_roles_read_with_the_user_decide_the_pages(client, roles, desk, queue):
    user = make_user("someone", *roles, password=PASSWORD)
    DoctorFactory(user=user)  # a doctor's queue is their own doctor's
    sign_in(client, user)
    assert client.get("/desk/").status_code == desk
    assert client.get("/doctor/").status_code == queue


def test_a_superuser_holds_every_staff_role(client):
    sign_in(client, make_user("root", is_superuser=True, password=PASSWORD))
    assert client.get("/desk/").status_code == 200


def test_a_deactivated_user_is_signed_out_at_the_next_request(client):
    user = make_user("ada", ADMIN, password=PASSWORD)
    sign_in(client, user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/desk/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_changed_password_ends_the_other_sessions(client):
    user = make_user("ada", ADMIN, password=PASSWORD)
    sign_in(client, user)
    user.set_password("another long pass phrase")
    user.save(update_fields=["password"])
    response = client.get("/desk/")
    assert response.status_code == 302 and "/login/" in response["Location"]
