"""``GET /api/v1/``: an index of the API, open to anyone (docs/api.md, "Index")."""

import pytest
from rest_framework.authtoken.models import Token as ApiToken

pytestmark = pytest.mark.django_db

SERVER = "http://testserver"


def test_anyone_gets_the_main_endpoints_and_the_docs(anon):
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    index = response.json()
    assert index["name"] == "OPD Token API"
    assert index["docs"] == f"{SERVER}/api/docs/"
    assert index["schema"] == f"{SERVER}/api/schema/"
    assert index["health"] == f"{SERVER}/healthz"
    assert index["endpoints"] == {
        "auth_token": f"{SERVER}/api/v1/auth/token/",
        "departments": f"{SERVER}/api/v1/departments/",
        "doctors": f"{SERVER}/api/v1/doctors/",
        "slots": f"{SERVER}/api/v1/slots/",
        "tokens": f"{SERVER}/api/v1/tokens/",
        "analytics_summary": f"{SERVER}/api/v1/analytics/summary/",
    }
    assert "Authorization: Token" in index["authentication"]


def test_every_link_leads_somewhere(anon, reception):
    index = anon.get("/api/v1/").json()
    for url in [index["docs"], index["schema"], index["health"]]:
        assert anon.get(url.removeprefix(SERVER)).status_code == 200, url
    for key, url in index["endpoints"].items():
        path = url.removeprefix(SERVER)
        if key == "auth_token":
            assert anon.get(path).status_code == 405  # POST only
        else:
            assert reception.get(path).status_code == 200, path
            # The index is open; what it lists is not.
            assert anon.get(path).status_code == 401, path


def test_it_answers_whatever_credentials_come_along(anon, portal_user):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert anon.get("/api/v1/").status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=portal_user).key}")
    assert anon.get("/api/v1/").status_code == 200


def test_api_leads_to_the_index(anon):
    response = anon.get("/api/")
    assert response.status_code == 302
    assert response["Location"] == "/api/v1/"


def test_the_schema_describes_the_endpoints_not_the_index(anon):
    paths = anon.get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/tokens/" in paths
    assert "/api/v1/" not in paths
