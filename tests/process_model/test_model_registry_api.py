"""The model registry API: versions, upload, validation, deployment, retirement and moving running cases."""
from __future__ import annotations

import io
import json
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import db
from app.process_model import parameters
from app.process_model.models import ModelStatus, ProcessModel
from app.workflow.registry import read_model_files
from tests.fixtures.lifecycle import local

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"
URL = "/api/v1/models/bad_review"


@pytest.fixture
def shipped():
    xml, forms = read_model_files(BPMN)
    return xml, forms, json.loads(BPMN.with_suffix(".test.json").read_text(encoding="utf-8"))


def versions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessModel))


def actions(subject_id, subject_type: str = "case") -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(subject_id),
                                                                   AuditEvent.subject_type == subject_type)
                                   .order_by(AuditEvent.id)))


def test_a_shorter_general_limit_is_validated_deployed_and_applies_to_new_cases_only(
        api, world, open_case, shipped):
    xml, _, tests = shipped
    before = open_case(at=local(2026, 11, 16, 9, 0))
    # The shipped test cases follow the model's parameters: they hold unchanged.
    body = {"bpmn_xml": parameters.write(xml, {"limit_general_days": 3}), "test_cases": tests,
            "comment": "一般差评整改时限改为 3 个工作日"}
    created = api.post(f"{URL}/versions", json=body, headers=world.headers("policy_c"))
    assert created.status_code == 201, created.json
    draft = created.json
    assert draft["status"] == "draft" and draft["version"] == 2 and draft["validation"]["ok"] is True
    changed = [c["text"] for c in draft["diff_summary"]["parameters_changed"]]
    assert changed == ["一般差评整改时限：5 个工作日 → 3 个工作日"]
    assert draft["diff_summary"]["tasks_changed"] == []
    assert draft["validation"]["tests_run"] == len(tests["cases"])

    deployed = api.post(f"{URL}/versions/2/deploy", headers=world.headers("policy_c"))
    assert deployed.status_code == 200 and deployed.json["status"] == "deployed"
    listed = api.get(f"{URL}/versions", headers=world.headers("policy_c")).json
    assert [(v["version"], v["status"]) for v in listed] == [(2, "deployed"), (1, "retired")]
    assert actions(draft["id"], "model") == ["model.version_added", "model.deployed"]

    after = open_case(at=local(2026, 11, 16, 9, 0))
    before.accept_and_classify("general")
    after.accept_and_classify("general")
    assert before.task("rectify").due_at == local(2026, 11, 24, 0, 0).astimezone(UTC)
    assert after.task("rectify").due_at == local(2026, 11, 20, 0, 0).astimezone(UTC)


@pytest.mark.parametrize("replace", [
    ('action == "done"', "().__class__.__base__.__subclasses__() != []"),
    ('<?xml version="1.0" encoding="UTF-8"?>',
     '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
], ids=["sandbox-escape", "xxe"])
def test_an_unsafe_upload_is_refused_with_a_clear_message_and_nothing_stored(api, world, open_case, shipped,
                                                                             replace):
    open_case(at=local(2026, 11, 16, 9, 0))
    count = versions_count()
    response = api.post(f"{URL}/versions", json={"bpmn_xml": shipped[0].replace(*replace), "deploy": True},
                        headers=world.headers("policy_c"))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_model" and "校验未通过" in error["message"]
    problem = error["fields"]["model"][0]
    assert "不允许访问属性 __" in problem["message"] or "DOCTYPE" in problem["message"]
    assert problem["element"] in {"flow_gw_rectify_action_to_end_rectify_done", ""}
    assert versions_count() == count
    assert api.get(f"{URL}/versions", headers=world.headers("policy_c")).json[0]["version"] == 1


def test_validate_reports_every_problem_without_storing(api, world, shipped):
    bad = shipped[0].replace('name="department"', 'name="office"').replace('finding == "valid"', "open('x')")
    response = api.post(f"{URL}/validate", json={"bpmn_xml": bad}, headers=world.headers("policy_c"))
    assert response.status_code == 200
    assert response.json["ok"] is False
    elements = {p["element"] for p in response.json["problems"]}
    assert {"lane_department", "flow_gw_verify_to_start_classify"} <= elements
    assert versions_count() == 0


def test_a_version_can_be_uploaded_as_a_file_and_downloaded(api, world, open_case, shipped):
    open_case(at=local(2026, 11, 16, 9, 0))
    xml = shipped[0].replace('name="签收响应"', 'name="签收"')
    response = api.post(f"{URL}/versions/file", headers=world.headers("policy_c"), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(xml.encode()), "bad_review.bpmn"), "comment": "改名"})
    assert response.status_code == 201, response.json
    assert response.json["source"] == "upload:bad_review.bpmn"
    assert response.json["diff_summary"]["tasks_changed"] == [
        {"id": "sign_for", "name": "签收", "kind": "userTask", "changes": ["名称"]}]
    download = api.get(f"{URL}/versions/2/bpmn", headers=world.headers("auditor_c"))
    assert download.status_code == 200 and download.mimetype == "application/xml"
    assert "bad_review-v2.bpmn" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == xml


def test_an_uploaded_json_file_nested_too_deep_is_refused_naming_it(api, world, shipped):
    deep = b"[" * 5000 + b"]" * 5000
    response = api.post(f"{URL}/versions/file", headers=world.headers("policy_c"), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(shipped[0].encode()), "bad_review.bpmn"),
                              "forms": (io.BytesIO(deep), "forms.json")})
    assert response.status_code == 422
    assert "forms" in response.json["error"]["fields"]


def test_drafts_can_be_retired_but_the_deployed_version_cannot(api, world, open_case, shipped):
    open_case(at=local(2026, 11, 16, 9, 0))
    api.post(f"{URL}/versions", json={"bpmn_xml": shipped[0].replace("签收响应", "签收")},
             headers=world.headers("policy_c"))
    assert api.post(f"{URL}/versions/1/retire", headers=world.headers("policy_c")).status_code == 409
    retired = api.post(f"{URL}/versions/2/retire", headers=world.headers("policy_c"))
    assert retired.status_code == 200 and retired.json["status"] == "retired"
    assert api.post(f"{URL}/versions/2/retire", headers=world.headers("policy_c")).status_code == 409
    assert api.post(f"{URL}/versions/1/deploy", headers=world.headers("policy_c")).status_code == 409


def test_the_registry_answers_401_403_404_and_422(api, world, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    assert api.get("/api/v1/models").status_code == 401
    assert api.get("/api/v1/models", headers=world.headers("handler_a")).status_code == 403
    assert api.post(f"{URL}/versions", json={"bpmn_xml": "<a/>"}, headers=world.headers("auditor_c")).status_code == 403
    assert api.get(f"{URL}/versions/99", headers=world.headers("policy_c")).status_code == 404
    assert api.get("/api/v1/models/nope/versions", headers=world.headers("policy_c")).status_code == 404
    assert api.post(f"{URL}/versions", json={}, headers=world.headers("policy_c")).status_code == 422
    listed = api.get("/api/v1/models", headers=world.headers("policy_c")).json
    assert listed == [{"process_id": "bad_review", "deployed_version": 1, "latest_version": 1, "versions": 1}]


def test_revalidating_a_stored_version_records_the_result(api, world, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    response = api.post(f"{URL}/versions/1/validate", headers=world.headers("policy_c"))
    assert response.status_code == 200 and response.json["ok"] is True and response.json["tests_run"] > 0
    assert "model.validated" in actions(db.session.scalar(select(ProcessModel.id)), "model")


def test_running_cases_can_be_previewed_and_moved_explicitly(api, world, open_case, shipped):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    xml = shipped[0].replace('name="签收响应"', 'name="签收并响应"')
    api.post(f"{URL}/versions", json={"bpmn_xml": xml, "deploy": True}, headers=world.headers("policy_c"))
    preview = api.get(f"{URL}/versions/2/migration-preview", headers=world.headers("policy_c"))
    assert preview.status_code == 200
    assert preview.json == [{"case_id": case.case_id, "case_no": case.case.case_no, "stage": "签收响应",
                             "from_version": 1, "movable": True, "reasons": [], "changed_tasks": ["sign_for"],
                             "advice": None}]
    due = case.task("sign_for").due_at

    moved = api.post(f"{URL}/versions/2/migrate", json={}, headers=world.headers("policy_c"))
    assert moved.status_code == 200 and [m["case_id"] for m in moved.json["moved"]] == [case.case_id]
    assert case.case.process_model_id == db.session.scalar(select(ProcessModel.id).where(ProcessModel.version == 2))
    assert case.task("sign_for").due_at == due
    assert "case.model_migrated" in actions(case.case_id)
    case.do("sign_for", {"action": "accept", "note": "迁移后继续办理"})
    assert case.open_task_names() == ["verify"]


def test_a_case_that_cannot_be_moved_stays_unchanged(api, world, open_case, shipped):
    from app.case import migration
    from app.process_model import versions

    case = open_case(at=local(2026, 11, 16, 9, 0))
    xml, forms, _ = shipped
    renamed = xml.replace('"sign_for"', '"sign_for_v2"').replace(">sign_for<", ">sign_for_v2<")
    target = versions.add_version(process_id="bad_review", bpmn_xml=renamed, source="test", actor="policy_c",
                                  forms={**forms, "sign_for_v2": forms["sign_for"]})
    db.session.commit()
    state, model_id = case.case.state_json, case.case.process_model_id
    [row] = migration.preview(target)
    assert row["movable"] is False and row["reasons"]
    result = migration.migrate(target, case_ids=[case.case_id], actor="policy_c")
    db.session.commit()
    assert result["moved"] == [] and result["refused"][0]["case_id"] == case.case_id
    assert (case.case.state_json, case.case.process_model_id) == (state, model_id)
    assert "case.model_migrated" not in actions(case.case_id)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "model.cases_migrated")).one()
    assert refused.payload["refused"][0]["reasons"] == row["reasons"]


def test_a_stored_version_keeps_its_status_enum(open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    assert db.session.scalar(select(ProcessModel.status)) == ModelStatus.deployed
