"""The inbox and task endpoints: scope, lanes, claims, validation and conflicts."""
from __future__ import annotations

from tests.fixtures.lifecycle import local


def test_the_inbox_shows_the_department_its_own_tasks_only(client, world, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    mine = client.get("/api/v1/tasks", headers=world.headers("handler_a")).json
    assert [t["task"] for t in mine["items"]] == ["sign_for"]
    item = mine["items"][0]
    assert item["case_no"] == case.case.case_no
    assert item["working_days_left"] == 1
    assert item["overdue"] is False
    assert client.get("/api/v1/tasks", headers=world.headers("handler_b")).json["items"] == []
    assert client.get("/api/v1/tasks", headers=world.headers("supervisor_a")).json["items"] == []


def test_overdue_tasks_are_flagged_and_filterable(client, world, open_case, clock):
    open_case(at=local(2026, 11, 20, 9, 0))
    clock.set(local(2026, 11, 25, 9, 0))
    body = client.get("/api/v1/tasks?overdue=true", headers=world.headers("handler_a")).json
    assert body["items"][0]["overdue"] is True
    assert body["items"][0]["working_days_left"] == -2


def test_the_task_detail_carries_its_form_schema(client, world, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    body = client.get(f"/api/v1/tasks/{case.task('sign_for').id}", headers=world.headers("handler_a")).json
    assert body["form"]["properties"]["action"]["enum"] == ["accept", "appeal"]
    assert body["case"]["case_no"] == case.case.case_no


def test_invalid_form_data_lists_every_field(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept"})
    response = case.submit("verify", {"finding": "perhaps", "contact_method": "pigeon", "extra": 1})
    assert response.status_code == 422
    assert {"finding", "contact_method", "extra"} <= set(response.json["error"]["fields"])
    assert case.open_task_names() == ["verify"]


def test_a_task_of_another_lane_or_scope_is_403(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    assert case.submit("sign_for", {"action": "accept"}, who="supervisor_a").status_code == 403
    assert case.submit("sign_for", {"action": "accept"}, who="handler_b").status_code == 403
    assert case.submit("sign_for", {"action": "accept"}, who="auditor_c").status_code == 403


def test_completing_a_task_twice_is_409_and_changes_nothing(client, world, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    task_id = case.task("sign_for").id
    first = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"action": "accept"}},
                        headers=world.headers("handler_a"))
    second = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"action": "appeal"}},
                         headers=world.headers("handler_a"))
    assert (first.status_code, second.status_code) == (200, 409)
    assert case.open_task_names() == ["verify"]


def test_a_task_claimed_by_a_colleague_cannot_be_completed(client, world, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    task_id = case.task("sign_for").id
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=world.headers("lead_a")).status_code == 200
    blocked = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"action": "accept"}},
                          headers=world.headers("handler_a"))
    assert blocked.status_code == 409
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=world.headers("handler_a")).status_code == 409
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=world.headers("lead_a")).status_code == 200
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"action": "accept"}},
                       headers=world.headers("handler_a"))
    assert done.status_code == 200


def test_an_unknown_task_is_404(client, world):
    assert client.post("/api/v1/tasks/999999/complete", json={"data": {}},
                       headers=world.headers("handler_a")).status_code == 404


def test_the_case_detail_shows_deadlines_and_the_evaluator_masked_for_auditors(client, world, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    body = client.get(f"/api/v1/cases/{case.case_id}", headers=world.headers("auditor_c")).json
    assert body["status"] == "open"
    assert body["current_tasks"][0]["task"] == "sign_for"
    assert set(body["deadlines"]) >= {"sign_for_deadline", "appeal_deadline"}
    assert body["evaluation"]["evaluator"]["masked"] is True
    assert body["model"]["process_id"] == "bad_review"


def test_cases_are_listed_by_scope_and_filters(client, world, open_case):
    open_case(at=local(2026, 11, 20, 9, 0))
    open_case(org="B-HR", item="ITEM-BHR-1")
    assert client.get("/api/v1/cases", headers=world.headers("handler_a")).json["meta"]["total"] == 1
    assert client.get("/api/v1/cases", headers=world.headers("auditor_c")).json["meta"]["total"] == 2
    assert client.get("/api/v1/cases?status=closed", headers=world.headers("auditor_c")).json["meta"]["total"] == 0
    assert client.get("/api/v1/cases/1", headers=world.headers("policy_c")).status_code == 403
