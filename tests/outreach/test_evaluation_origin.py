"""Intake keeps where an evaluation came from, so "many top ratings from one phone or address" can be flagged."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import func, select

from app import create_app
from app.db import db
from app.evaluation.models import Evaluation
from app.evaluator import links
from app.outreach import fraud
from app.outreach.models import EvaluationOrigin, FraudSignal
from app.user import service as user_service
from app.user.models import AccountKind
from tests.web.conftest import csrf_token


def _body(case_no: str, clock, **extra) -> dict:
    return {"service_case_no": case_no, "level": 5, "channel": "app", "real_name": True,
            "evaluated_at": (clock.now() - timedelta(minutes=5)).isoformat(), **extra}


def _origin(evaluation_id: int) -> EvaluationOrigin | None:
    return db.session.get(EvaluationOrigin, evaluation_id)


def _staffed_cases(make_service_case, count: int) -> list:
    return [make_service_case(staff=user_service.get_by_username("handler_a")) for _ in range(count)]


def test_the_api_keeps_the_device_and_address_the_integrating_system_reports(client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", headers=world.headers("client_a"),
                           json=_body(case.case_no, clock, device_id="wx-openid-7f3a", client_address="10.8.1.23"))
    assert response.status_code == 201, response.json
    origin = _origin(response.json["id"])
    assert (origin.device_id, origin.client_address) == ("wx-openid-7f3a", "10.8.1.23")
    assert "device_id" not in response.json and "client_address" not in response.json  # never shown back


def test_without_an_origin_nothing_is_kept_not_even_the_integrating_systems_own_address(
        client, world, clock, make_service_case):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock), headers=world.headers("client_a"))
    assert response.status_code == 201
    assert _origin(response.json["id"]) is None


@pytest.mark.parametrize(("field", "value"), [("client_address", "not-an-address"), ("device_id", "x" * 129),
                                              ("device_id", "")])
def test_a_malformed_origin_is_refused_naming_the_field_and_stores_nothing(
        client, world, clock, make_service_case, field, value):
    case = make_service_case()
    response = client.post("/api/v1/evaluations", json=_body(case.case_no, clock, **{field: value}),
                           headers=world.headers("client_a"))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0


def test_five_top_ratings_for_one_staff_member_from_one_phone_raise_a_signal(
        client, world, clock, make_service_case):
    for case in _staffed_cases(make_service_case, 5):
        response = client.post("/api/v1/evaluations", headers=world.headers("client_a"),
                               json=_body(case.case_no, clock, device_id="phone-9"))
        assert response.status_code == 201
    assert fraud.detect(until=clock.now()) == 1
    signal = db.session.scalar(select(FraudSignal))
    assert signal.kind == "top_ratings_one_origin" and signal.count == 5
    assert "handler_a" in signal.subject_label and "phone-9" in signal.subject_label


def test_top_ratings_on_the_windows_own_device_are_the_normal_case_and_not_flagged(
        client, world, clock, make_service_case):
    for case in _staffed_cases(make_service_case, 6):
        response = client.post("/api/v1/evaluations", headers=world.headers("client_a"),
                               json=_body(case.case_no, clock, channel="window_device", device_id="A-W1-pad"))
        assert response.status_code == 201
    assert fraud.detect(until=clock.now()) == 0


@pytest.fixture
def public_account(world):
    user = user_service.create(username="public_rating", display_name="公众评价渠道", org_unit=world.units["P"],
                               roles=["integration"], kind=AccountKind.client)
    db.session.commit()
    return user


def _rate(client, service_case, level: str = "5", **environ):
    path = f"/rate/{links.rating_token(service_case.case_no)}"
    token = csrf_token(client, path)
    return client.post(path, data={"level": level, "csrf_token": token}, **environ)


def test_the_rating_page_remembers_the_phone_in_a_cookie_and_records_it_with_the_address(
        client, make_service_case, public_account):
    first, second = make_service_case(), make_service_case()
    assert _rate(client, first, environ_base={"REMOTE_ADDR": "36.112.4.9"}).status_code == 200
    assert _rate(client, second, environ_base={"REMOTE_ADDR": "36.112.4.9"}).status_code == 200
    origins = [_origin(e.id) for e in db.session.scalars(select(Evaluation).order_by(Evaluation.id))]
    assert [o.client_address for o in origins] == ["36.112.4.9", "36.112.4.9"]
    assert origins[0].device_id and origins[0].device_id == origins[1].device_id  # the same phone both times
    cookie = client.get_cookie("hcp_rater")
    assert cookie is not None and cookie.value == origins[0].device_id and cookie.http_only


def test_behind_a_trusted_proxy_the_visitors_address_is_the_one_forwarded(database_url):
    def seen_address(trusted: int) -> str:
        app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "TRUSTED_PROXIES": trusted})
        app.add_url_rule("/_address", "address", lambda: request.remote_addr)
        response = app.test_client().get("/_address", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                          headers={"X-Forwarded-For": "223.5.5.5"})
        app.extensions["db_engine"].dispose()
        return response.get_data(as_text=True)

    assert seen_address(1) == "223.5.5.5"
    assert seen_address(0) == "10.0.0.2"  # not trusted by default: anyone could claim any address
