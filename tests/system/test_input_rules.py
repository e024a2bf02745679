"""Input the databases cannot hold is refused before it reaches them: ids beyond PostgreSQL's integer, page
numbers beyond any list, and NUL or lone surrogates in text (422 naming the field; 404 for a path)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import db
from app.evaluation.models import Evaluation

TOO_BIG = 2**31


def _evaluation(case_no, clock, **overrides):
    item = {"service_case_no": case_no, "level": 4, "channel": "qr_code", "real_name": False,
            "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat()}
    return {**item, **overrides}


@pytest.mark.parametrize(("method", "path", "who"), [
    ("get", f"/api/v1/cases/{TOO_BIG}", "handler_a"),
    ("get", f"/api/v1/cases/{2**63}/history", "handler_a"),
    ("get", f"/api/v1/tasks/{TOO_BIG}", "handler_a"),
    ("post", f"/api/v1/tasks/{TOO_BIG}/claim", "handler_a"),
    ("get", f"/api/v1/evaluations/{TOO_BIG}", "client_c"),
    ("get", f"/api/v1/stats/snapshots/{TOO_BIG}", "supervisor_a"),
    ("get", f"/api/v1/outreach/return-visit-draws/{TOO_BIG}", "supervisor_a"),
    ("post", f"/api/v1/outreach/return-visits/{TOO_BIG}/complete", "supervisor_a"),
    ("post", f"/api/v1/outreach/fraud-signals/{TOO_BIG}/review", "supervisor_a"),
    ("get", "/api/v1/cases/0", "handler_a"),
])
def test_an_id_no_record_can_have_answers_404_in_the_error_format(client, world, method, path, who):
    response = getattr(client, method)(path, headers=world.headers(who), json={})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/cases", "/api/v1/evaluations"])
@pytest.mark.parametrize("page", [0, TOO_BIG, 10**30])
def test_a_page_number_out_of_range_is_refused_naming_the_field(client, world, path, page):
    response = client.get(f"{path}?page={page}", headers=world.headers("client_c"
                                                                          if "evaluations" in path else "handler_a"))
    assert response.status_code == 422
    assert "page" in response.json["error"]["fields"]


def test_an_id_in_a_body_out_of_range_is_refused_naming_the_field(client, world):
    response = client.post("/api/v1/outreach/points/suggestions", json={"evaluation_id": TOO_BIG, "note": "好建议"},
                           headers=world.headers("supervisor_a"))
    assert response.status_code == 422
    assert "evaluation_id" in response.json["error"]["fields"]


def test_the_openapi_document_states_the_range_of_path_ids(client):
    spec = client.get("/api/v1/openapi.json").json
    parameter = spec["paths"]["/api/v1/cases/{case_id}"]["parameters"][0]
    assert parameter["schema"]["minimum"] == 1 and parameter["schema"]["maximum"] == 2**31 - 1
    assert "2147483647" in spec["info"]["description"] and "404" in spec["info"]["description"]


@pytest.mark.parametrize(("path", "who", "field"), [
    ("/api/v1/tasks?q=a%00b", "handler_a", "q"),
    ("/api/v1/evaluations?org_code=%00", "client_c", "org_code"),
    ("/api/v1/cases?org_code=A%00", "handler_a", "org_code"),
    ("/api/v1/stats/summary?org_code=%00", "supervisor_a", "org_code"),
])
def test_nul_in_a_query_parameter_is_refused_naming_it(client, world, path, who, field):
    response = client.get(path, headers=world.headers(who))
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


def test_nul_in_a_path_segment_names_nothing(client, world):
    response = client.get("/api/v1/service-cases/AB%00C", headers=world.headers("client_c"))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("comment", ['"x\\u0000y"', '"x\\ud800y"', '"\\udfff"'])
def test_unstorable_text_in_a_body_is_refused_naming_the_field(client, world, clock, make_service_case, comment):
    case = make_service_case()
    body = _evaluation(case.case_no, clock, comment="COMMENT")
    raw = client.application.json.dumps(body).replace('"COMMENT"', comment)
    response = client.post("/api/v1/evaluations", data=raw, content_type="application/json",
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["comment"]
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_a_batch_refuses_the_unstorable_item_alone_and_keeps_the_others(client, world, clock, make_service_case):
    good, bad = make_service_case(), make_service_case()
    items = [_evaluation(good.case_no, clock), _evaluation(bad.case_no, clock, level=1, comment="排队\u0000太久"),
             {"service\u0000": 1}]
    response = client.post("/api/v1/evaluations/batch", json={"items": items}, headers=world.headers("client_a"))
    assert response.status_code == 200, response.json
    assert [r["status"] for r in response.json["results"]] == ["accepted", "rejected", "rejected"]
    assert "comment" in response.json["results"][1]["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1
