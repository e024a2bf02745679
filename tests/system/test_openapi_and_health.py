"""The OpenAPI document and the health endpoint."""
from __future__ import annotations


def test_the_openapi_document_is_served_with_the_intake_operations(client):
    # Every route against the document: tests/system/test_documented_paths.py
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    for path in ("/api/v1/service-cases", "/api/v1/service-cases/{case_no}", "/api/v1/evaluations",
                 "/api/v1/evaluations/batch", "/api/v1/evaluations/{evaluation_id}"):
        assert path in paths
    assert "post" in paths["/api/v1/evaluations"] and "get" in paths["/api/v1/evaluations"]


def test_an_unknown_api_path_is_a_json_404(client, world):
    response = client.get("/api/v1/nothing-here", headers=world.headers("auditor_c"))
    assert response.status_code == 404


def test_a_wrong_method_is_405_naming_the_allowed_methods(client, world):
    response = client.delete("/api/v1/evaluations", headers=world.headers("client_a"))
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_json_answers_are_never_cached(client, world):
    for response in (client.get("/api/v1/evaluations", headers=world.headers("client_c")),
                     client.get("/api/v1/evaluations/1", headers=world.headers("client_c")),
                     client.get("/api/v1/evaluations"), client.get("/healthz")):
        assert response.is_json
        assert response.headers["Cache-Control"] == "no-store", response.status_code


def test_health_answers_with_the_clock(client, clock):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["time"] == clock.now().isoformat()
