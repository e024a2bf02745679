"""POST/GET /api/v1/service-cases."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.db import db


def _body(clock, **overrides):
    body = {"case_no": "370100-2026-000123", "item_code": "ITEM-HR-1", "org_code": "A-HR", "window_code": "A-W1",
            "channel": "window", "applicant_kind": "natural_person", "applicant_name": "李四",
            "applicant_phone": "13800001111", "applicant_cert_no": "110101199003071234",
            "accepted_at": (clock.now() - timedelta(days=2)).isoformat(),
            "finished_at": (clock.now() - timedelta(hours=3)).isoformat()}
    body.update(overrides)
    return body


def test_an_integration_client_registers_a_service_case(client, world, clock):
    response = client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a"))
    assert response.status_code == 201, response.json
    assert response.json["org_code"] == "A-HR"
    assert response.json["item_name"] == "社会保障卡申领"
    # an integration client has no reason to read contact data back
    assert response.json["applicant_phone"] == "138****1111"


def test_the_handler_reads_the_service_case_with_contact_data(client, world, clock):
    client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a"))
    response = client.get("/api/v1/service-cases/370100-2026-000123", headers=world.headers("handler_a"))
    assert response.status_code == 200
    assert response.json["applicant_phone"] == "13800001111"
    assert response.json["applicant_cert_no"] == "110101199003071234"


def test_contact_data_is_encrypted_in_the_database(client, world, clock):
    client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a"))
    row = db.session.execute(text(
        "SELECT applicant_name, applicant_phone, applicant_cert_no FROM service_case WHERE case_no = :n"),
        {"n": "370100-2026-000123"}).one()
    assert "李四" not in row[0]
    assert "13800001111" not in row[1]
    assert "110101199003071234" not in row[2]


def test_a_duplicate_case_number_is_409(client, world, clock):
    assert client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a")).status_code == 201
    again = client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a"))
    assert again.status_code == 409
    assert "case_no" in again.json["error"]["fields"]


def test_unknown_references_and_impossible_times_are_422(client, world, clock):
    response = client.post("/api/v1/service-cases", json=_body(
        clock, item_code="NOPE", org_code="NOPE", window_code="NOPE",
        finished_at=(clock.now() - timedelta(days=3)).isoformat()), headers=world.headers("client_a"))
    assert response.status_code == 422
    assert {"item_code", "org_code", "window_code", "finished_at"} <= set(response.json["error"]["fields"])


def test_a_service_case_outside_the_client_registration_is_403(client, world, clock):
    response = client.post("/api/v1/service-cases",
                           json=_body(clock, org_code="B-HR", item_code="ITEM-BHR-1", window_code=None),
                           headers=world.headers("client_a"))
    assert response.status_code == 403


def test_staff_cannot_register_service_cases(client, world, clock):
    assert client.post("/api/v1/service-cases", json=_body(clock),
                       headers=world.headers("handler_a")).status_code == 403


def test_another_countys_handler_cannot_read_it(client, world, clock):
    client.post("/api/v1/service-cases", json=_body(clock), headers=world.headers("client_a"))
    response = client.get("/api/v1/service-cases/370100-2026-000123", headers=world.headers("handler_b"))
    assert response.status_code == 403


def test_an_unknown_case_number_is_404(client, world):
    assert client.get("/api/v1/service-cases/NOPE", headers=world.headers("handler_a")).status_code == 404
