"""Evaluation intake through POST /api/v1/evaluations."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.db import db
from app.evaluation.models import Evaluation


def _body(case_no: str, clock, **overrides) -> dict:
    body = {"service_case_no": case_no, "level": 5, "channel": "window_device", "comment": "很好",
            "evaluated_at": (clock.now() - timedelta(minutes=5)).isoformat(), "real_name": True}
    body.update(overrides)
    return body


def test_a_good_review_is_stored_without_a_case(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    assert response.status_code == 201, response.json
    assert response.json["level"] == 5
    assert response.json["level_label"] == "非常满意"
    assert response.json["bad_review_case_id"] is None
    assert db.session.scalar(select(func.count()).select_from(BadReviewCase)) == 0


def test_a_bad_review_opens_a_case_routed_to_the_department_that_handled_the_service(
        client, world, clock, make_service_case):
    case = make_service_case(org="A-MKT", item="ITEM-MKT-1")
    response = client.post("/api/v1/evaluations",
                           json=_body(case.case_no, clock, level=1, comment="窗口人员态度差", reasons=["attitude"]),
                           headers=world.headers("client_a"))
    assert response.status_code == 201, response.json
    bad_case = db.session.get(BadReviewCase, response.json["bad_review_case_id"])
    assert bad_case.responsible_org.code == "A-MKT"
    assert bad_case.status == "open"
    assert bad_case.received_at == clock.now()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.index("evaluation.received") < actions.index("case.opened") < actions.index("case.process_started")


def test_level_two_is_also_a_bad_review(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, level=2),
                           headers=world.headers("client_c"))
    assert response.status_code == 201
    assert response.json["is_bad"] is True
    assert response.json["bad_review_case_id"] is not None


def test_a_second_evaluation_of_the_same_service_case_is_refused_with_409(client, world, clock, make_service_case):
    case = make_service_case()
    first = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    second = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, level=1),
                         headers=world.headers("client_a"))
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json["error"]["code"] == "conflict"
    assert "service_case_no" in second.json["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(BadReviewCase)) == 0


def test_invalid_fields_answer_422_naming_each_field(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations",
                           json=_body(case.case_no, clock, level=6, channel="carrier_pigeon", comment="长" * 1001),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"level", "channel", "comment"} <= set(fields)
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_missing_required_fields_are_listed(client, world):
    response = client.post("/api/v1/evaluations", json={}, headers=world.headers("client_a"))
    assert response.status_code == 422
    assert {"service_case_no", "level", "channel", "evaluated_at", "real_name"} <= set(
        response.json["error"]["fields"])


def test_level_must_be_an_integer_not_a_string(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, level="5"),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "level" in response.json["error"]["fields"]


def test_an_evaluation_dated_before_the_service_finished_is_refused(client, world, clock, make_service_case):
    case = make_service_case(finished_ago=timedelta(hours=1))
    early = (clock.now() - timedelta(hours=2)).isoformat()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, evaluated_at=early),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "evaluated_at" in response.json["error"]["fields"]


def test_an_evaluation_dated_in_the_future_is_refused(client, world, clock, make_service_case):
    case = make_service_case()
    later = (clock.now() + timedelta(hours=1)).isoformat()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, evaluated_at=later),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "evaluated_at" in response.json["error"]["fields"]


def test_a_naive_timestamp_is_refused_because_its_instant_is_unknown(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, evaluated_at="2026-11-20T09:00:00"),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "evaluated_at" in response.json["error"]["fields"]


def test_an_unknown_service_case_is_a_422_on_that_field(client, world, clock):
    response = client.post("/api/v1/evaluations", json=_body("NO-SUCH-CASE", clock), headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "service_case_no" in response.json["error"]["fields"]


def test_an_unfinished_service_case_cannot_be_rated_yet(client, world, clock, make_service_case):
    case = make_service_case(finished=False)
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "service_case_no" in response.json["error"]["fields"]


def test_malformed_json_answers_400_in_the_error_format(client, world):
    response = client.post("/api/v1/evaluations", data="{not json", content_type="application/json",
                           headers=world.headers("client_a"))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_a_json_array_body_is_not_a_500(client, world):
    response = client.post("/api/v1/evaluations", json=[1, 2], headers=world.headers("client_a"))
    assert response.status_code in (400, 422)
    assert "error" in response.json


def test_window_staff_may_key_in_paper_forms_only(client, world, clock, make_service_case):
    paper = client.post("/api/v1/evaluations",
                        json=_body(make_service_case().case_no, clock, channel="paper_form"),
                        headers=world.headers("handler_a"))
    device = client.post("/api/v1/evaluations",
                         json=_body(make_service_case().case_no, clock, channel="window_device"),
                         headers=world.headers("handler_a"))
    assert paper.status_code == 201
    assert device.status_code == 403


def test_an_integration_client_cannot_post_for_units_outside_its_registration(
        client, world, clock, make_service_case):
    case = make_service_case(org="B-HR", item="ITEM-BHR-1")
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_an_evaluation_after_the_supplementary_window_is_refused(client, world, clock, make_service_case):
    case = make_service_case(finished_ago=timedelta(days=10))  # more than 5 working days ago
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "补充评价期限" in response.json["error"]["fields"]["evaluated_at"][0]
