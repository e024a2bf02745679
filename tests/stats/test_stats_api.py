"""GET /api/v1/stats/…: the same numbers as the service, scoped to the caller, with the usual error answers."""
from __future__ import annotations

import pytest

from app.stats.indicators import DEFINITIONS


def _values(response) -> dict:
    assert response.status_code == 200, response.json
    return {i["code"]: i["value"] for i in response.json["indicators"]}


def test_the_supervision_office_gets_its_county(client, world, november):
    response = client.get("/api/v1/stats/summary?month=2026-11", headers=world.headers("supervisor_a"))
    values = _values(response)
    assert (values["finished"], values["evaluated"], values["bad_reviews"]) == (11, 8, 3)
    assert values["participation_rate"] == round(8 / 11, 4)
    assert response.json["not_adopted"]["evaluations"] == 1


def test_a_department_handler_sees_only_the_department(client, world, november):
    assert _values(client.get("/api/v1/stats/summary?month=2026-11", headers=world.headers("handler_b")))[
        "finished"] == 1


def test_filters_by_item_window_staff_and_channel(client, world, november):
    headers = world.headers("auditor_c")
    base = "/api/v1/stats/summary?month=2026-11"
    assert _values(client.get(f"{base}&item_code=ITEM-MKT-1", headers=headers))["finished"] == 2
    assert _values(client.get(f"{base}&window_code=A-W1", headers=headers))["finished"] == 9
    assert _values(client.get(f"{base}&staff_username=handler_m", headers=headers))["finished"] == 2
    assert _values(client.get(f"{base}&org_code=A&channel=window_device", headers=headers))["evaluated"] == 4
    assert _values(client.get("/api/v1/stats/summary?date_from=2026-11-03&date_to=2026-11-03&org_code=A",
                              headers=headers))["finished"] == 4


@pytest.mark.parametrize(("who", "query", "status"), [
    (None, "", 401),
    ("policy_c", "", 403),
    ("handler_a", "&org_code=B", 403),
    ("auditor_c", "&org_code=NOPE", 422),
    ("auditor_c", "&item_code=NOPE", 422),
    ("auditor_c", "&window_code=A-HR", 422),
    ("auditor_c", "&channel=carrier_pigeon", 422),
    ("auditor_c", "&month=2026-13", 422),
])
def test_errors(client, world, who, query, status):
    headers = world.headers(who) if who else {}
    response = client.get(f"/api/v1/stats/summary?month=2026-11{query}".replace("month=2026-11&month", "month"),
                          headers=headers)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"]


def test_the_definitions_are_served_and_documented_in_openapi(client, world):
    response = client.get("/api/v1/stats/indicators", headers=world.headers("auditor_c"))
    assert [d["code"] for d in response.json] == [d.code for d in DEFINITIONS]
    spec = client.get("/api/v1/openapi.json").json
    stats_tag = next(t for t in spec["tags"] if t["name"] == "stats")
    assert "主动评价数 ÷ 办件量" in stats_tag["description"]


def test_breakdown_drills_down_from_the_county(client, world, november):
    response = client.get("/api/v1/stats/breakdown?month=2026-11&org_code=A", headers=world.headers("auditor_c"))
    finished = {u["code"]: {i["code"]: i["value"] for i in u["indicators"]}["finished"] for u in response.json}
    assert finished == {"A-HALL": 9, "A-HR": 9, "A-MKT": 2, "A-SUP": 0}


def test_trend_is_oldest_first_and_ends_with_the_period(client, world, november):
    response = client.get("/api/v1/stats/trend?month=2026-11&months=2&org_code=A", headers=world.headers("auditor_c"))
    assert [m["month"] for m in response.json] == ["2026-10", "2026-11"]
    finished = [{i["code"]: i["value"] for i in m["indicators"]}["finished"] for m in response.json]
    assert finished == [1, 11]


def test_hotspots_name_the_items_and_their_reasons(client, world, november):
    response = client.get("/api/v1/stats/hotspots?month=2026-11&org_code=A", headers=world.headers("auditor_c"))
    items = response.json["hotspots"]["item"]
    assert [(i["code"], i["bad_reviews"], i["evaluated"]) for i in items] == [("ITEM-HR-1", 2, 6),
                                                                             ("ITEM-MKT-1", 1, 2)]
    assert items[0]["top_reasons"][0] == {"code": "efficiency", "count": 2}
    assert {a["code"] for a in items[0]["top_aspects"]} == {"attitude", "efficiency"}
    staff = response.json["hotspots"]["staff"]
    assert staff[0]["code"] == "handler_a"
