"""The OpenAPI document and the health endpoint."""
from __future__ import annotations


def test_the_openapi_document_lists_every_endpoint(client):
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


def test_a_wrong_method_is_405_not_500(client, world):
    response = client.delete("/api/v1/evaluations", headers=world.headers("client_a"))
    assert response.status_code == 405


def test_health_answers_with_the_clock(client, clock):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["time"] == clock.now().isoformat()
