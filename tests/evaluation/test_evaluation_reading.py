"""GET /api/v1/evaluations: each role sees its scope, evaluator identity masked by role."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import db
from app.evaluation import service as evaluation_service
from app.user.principal import Principal
from app.user.service import get_by_username


@pytest.fixture
def rated(world, clock, make_service_case):
    """Three evaluations: 甲县人社局 (bad), 甲县市场监管局 (good), 乙县人社局 (good)."""
    client_c = Principal.for_user(get_by_username("client_c"))
    made = {}
    for key, org, item, level, channel in (("a_hr", "A-HR", "ITEM-HR-1", 1, "window_device"),
                                           ("a_mkt", "A-MKT", "ITEM-MKT-1", 5, "web"),
                                           ("b_hr", "B-HR", "ITEM-BHR-1", 4, "app")):
        case = make_service_case(org=org, item=item)
        made[key] = evaluation_service.create(
            {"service_case_no": case.case_no, "level": level, "channel": channel, "real_name": True,
             "evaluated_at": clock.now() - timedelta(minutes=10)}, principal=client_c)
    db.session.commit()
    return made


def _ids(response):
    return sorted(item["id"] for item in response.json["items"])


@pytest.mark.parametrize(("who", "expected"), [
    ("handler_a", ["a_hr"]),
    ("lead_a", ["a_hr"]),
    ("supervisor_a", ["a_hr", "a_mkt"]),  # the county's supervision office sees the county
    ("handler_b", ["b_hr"]),
    ("auditor_c", ["a_hr", "a_mkt", "b_hr"]),
    ("client_a", ["a_hr", "a_mkt"]),  # token registered for county A only
])
def test_each_role_lists_only_the_evaluations_in_its_scope(client, world, rated, who, expected):
    response = client.get("/api/v1/evaluations", headers=world.headers(who))
    assert response.status_code == 200
    assert _ids(response) == sorted(rated[k].id for k in expected)
    assert response.json["meta"]["total"] == len(expected)


@pytest.mark.parametrize("who", ["policy_c", "admin_c"])
def test_roles_without_business_in_evaluations_are_refused(client, world, rated, who):
    assert client.get("/api/v1/evaluations", headers=world.headers(who)).status_code == 403


def test_reading_one_evaluation_outside_the_scope_is_403(client, world, rated):
    response = client.get(f"/api/v1/evaluations/{rated['b_hr'].id}", headers=world.headers("handler_a"))
    assert response.status_code == 403


def test_an_unknown_evaluation_is_404(client, world):
    response = client.get("/api/v1/evaluations/999999", headers=world.headers("auditor_c"))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_filters_by_level_channel_org_and_period(client, world, clock, rated):
    headers = world.headers("auditor_c")
    assert _ids(client.get("/api/v1/evaluations?level=1&level=2", headers=headers)) == [rated["a_hr"].id]
    assert _ids(client.get("/api/v1/evaluations?channel=web", headers=headers)) == [rated["a_mkt"].id]
    assert _ids(client.get("/api/v1/evaluations?org_code=B", headers=headers)) == [rated["b_hr"].id]
    assert _ids(client.get("/api/v1/evaluations?bad=false", headers=headers)) == sorted(
        [rated["a_mkt"].id, rated["b_hr"].id])
    since = (clock.now() - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert _ids(client.get(f"/api/v1/evaluations?evaluated_from={since}", headers=headers)) == []


def test_filtering_on_an_org_outside_the_scope_is_403(client, world, rated):
    response = client.get("/api/v1/evaluations?org_code=B", headers=world.headers("handler_a"))
    assert response.status_code == 403


def test_a_bad_filter_value_is_422(client, world):
    response = client.get("/api/v1/evaluations?level=7", headers=world.headers("auditor_c"))
    assert response.status_code == 422
    assert "level" in response.json["error"]["fields"]


def test_pagination_splits_the_list(client, world, rated):
    headers = world.headers("auditor_c")
    first = client.get("/api/v1/evaluations?per_page=2&page=1", headers=headers).json
    second = client.get("/api/v1/evaluations?per_page=2&page=2", headers=headers).json
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert not set(_ids_of(first)) & set(_ids_of(second))


def _ids_of(body):
    return [item["id"] for item in body["items"]]


def test_the_handler_sees_the_evaluator_phone_to_call_back(client, world, rated):
    body = client.get(f"/api/v1/evaluations/{rated['a_hr'].id}", headers=world.headers("handler_a")).json
    assert body["evaluator"]["phone"] == "13912345678"
    assert body["evaluator"]["masked"] is False


def test_the_auditor_sees_the_evaluator_masked(client, world, rated):
    body = client.get(f"/api/v1/evaluations/{rated['a_hr'].id}", headers=world.headers("auditor_c")).json
    assert body["evaluator"] == {"kind": "natural_person", "name": "王**", "phone": "139****5678",
                                 "cert_no": "3201**********1234", "masked": True}


def test_an_unknown_channel_filter_is_422(client, world):
    response = client.get("/api/v1/evaluations?channel=fax", headers=world.headers("auditor_c"))
    assert response.status_code == 422
    assert "channel" in response.json["error"]["fields"]
