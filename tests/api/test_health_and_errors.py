"""/healthz, the JSON 404 of unknown API paths, and the schema and docs pages."""

from django.db import OperationalError

from tokens.api import health


def test_it_reports_healthy_without_auth(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_it_reports_503_when_the_database_is_unreachable(client, monkeypatch):
    def down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_ping_database", down)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_it_answers_json_404_for_an_unknown_api_path(client, db):
    r = client.get("/api/v1/nothing-here/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_answers_json_404_for_an_id_too_big(reception):
    r = reception.get("/api/v1/slots/99999999999999999999999/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_it_serves_the_openapi_schema(client, db):
    r = client.get("/api/schema/?format=json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/tokens/" in paths
    assert "409" in paths["/api/v1/tokens/"]["post"]["responses"]


def test_it_serves_swagger_ui_from_our_own_static_files(client, db):
    html = client.get("/api/docs/").content.decode()
    assert 'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in html
    assert "cdn" not in html.lower() and "https://" not in html
