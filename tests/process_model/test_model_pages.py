"""流程模型 pages: policy staff list versions, edit in the browser editor, validate, save a draft, deploy."""
from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import func, select

from app.db import db
from app.process_model import parameters
from app.process_model.models import ModelStatus, ProcessModel
from app.workflow.registry import read_model_files
from tests.fixtures.lifecycle import local
from tests.process_model.conftest import csrf_token

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"


def _editor_form(client, xml: str, *, intent: str, tests: dict | None = None) -> dict:
    _, forms = read_model_files(BPMN)
    shipped_tests = json.loads(BPMN.with_suffix(".test.json").read_text(encoding="utf-8"))
    return {"csrf_token": csrf_token(client, "/models/bad_review/edit"), "bpmn_xml": xml,
            "forms_json": json.dumps(forms, ensure_ascii=False), "intent": intent, "base": "1",
            "tests_json": json.dumps(tests if tests is not None else shipped_tests, ensure_ascii=False),
            "comment": "一般差评 3 个工作日"}


def test_only_policy_staff_open_the_model_pages(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    assert signed_in("handler_a").get("/models").status_code == 403
    page = signed_in("policy_c").get("/models")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "第 1 版" in html and "已部署" in html and "江苏" in html


def test_the_editor_embeds_the_vendored_modeler_and_the_model(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    html = signed_in("policy_c").get("/models/bad_review/edit").get_data(as_text=True)
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in html and "js/modeler.js" in html
    assert 'id="bpmn-xml"' in html and "&lt;bpmn:definitions" in html
    assert 'name="forms_json"' in html and 'name="tests_json"' in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_checking_in_the_editor_shows_every_problem_and_stores_nothing(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    xml, _ = read_model_files(BPMN)
    hostile = xml.replace('action == "done"', "__import__('os').system('id') == 0").replace(
        'name="supervision"', 'name="audit"')
    response = client.post("/models/bad_review/edit", data=_editor_form(client, hostile, intent="save"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "flow_gw_rectify_action_to_end_rectify_done" in html and "__import__" in html
    assert "lane_supervision" in html and "没有对应的角色" in html
    assert db.session.scalar(select(func.count()).select_from(ProcessModel)) == 1


def test_an_edited_model_is_saved_as_a_draft_and_deployed_from_its_page(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    xml, _ = read_model_files(BPMN)
    shipped_tests = json.loads(BPMN.with_suffix(".test.json").read_text(encoding="utf-8"))
    changed = parameters.write(xml, {"limit_general_days": 3})
    written = json.loads(json.dumps(shipped_tests))
    written["cases"][0]["steps"][2]["expect"]["due"]["rectify"] = "2026-10-13T16:00:00+00:00"

    checked = client.post("/models/bad_review/edit", data=_editor_form(client, changed, intent="check", tests=written))
    html = checked.get_data(as_text=True)
    assert checked.status_code == 422 and "“整改落实”的期限应为 2026年10月14日 00:00" in html

    tests = shipped_tests  # they follow the parameters
    checked = client.post("/models/bad_review/edit", data=_editor_form(client, changed, intent="check", tests=tests))
    assert checked.status_code == 200 and "校验通过" in checked.get_data(as_text=True)
    saved = client.post("/models/bad_review/edit", data=_editor_form(client, changed, intent="save", tests=tests))
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/models/bad_review/v2")
    page = client.get("/models/bad_review/v2").get_data(as_text=True)
    assert "一般差评整改时限：5 个工作日 → 3 个工作日" in page and "草稿" in page

    deployed = client.post("/models/bad_review/v2/deploy",
                           data={"csrf_token": csrf_token(client, "/models/bad_review/v2")})
    assert deployed.status_code == 302
    model = db.session.scalar(select(ProcessModel).where(ProcessModel.version == 2))
    assert model.status == ModelStatus.deployed and model.created_by == "user:policy_c"
    assert client.get("/models/bad_review/v2/bpmn?inline=1").get_data(as_text=True) == changed


def test_a_bpmn_file_is_uploaded_from_the_list_page(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    xml, _ = read_model_files(BPMN)
    data = {"csrf_token": csrf_token(client, "/models"), "comment": "改名",
            "file": (io.BytesIO(xml.replace("签收响应", "签收").encode()), "new.bpmn")}
    response = client.post("/models/bad_review/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    lol = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa">]><a>&a;</a>'
    data = {"csrf_token": csrf_token(client, "/models"), "file": (io.BytesIO(lol.encode()), "lol.bpmn")}
    refused = client.post("/models/bad_review/upload", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422 and "DOCTYPE" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProcessModel)) == 2


def test_the_migration_page_moves_selected_cases(signed_in, open_case):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    xml, _ = read_model_files(BPMN)
    renamed = io.BytesIO(xml.replace("签收响应", "签收").encode())
    data = {"csrf_token": csrf_token(client, "/models"), "file": (renamed, "x.bpmn")}
    client.post("/models/bad_review/upload", data=data, content_type="multipart/form-data")
    client.post("/models/bad_review/v2/deploy", data={"csrf_token": csrf_token(client, "/models/bad_review/v2")})
    page = client.get("/models/bad_review/v2/migration").get_data(as_text=True)
    assert case.case.case_no in page and "可迁移" in page
    moved = client.post("/models/bad_review/v2/migration",
                        data={"csrf_token": csrf_token(client, "/models/bad_review/v2/migration"),
                              "case_id": str(case.case_id)})
    assert moved.status_code == 302
    assert case.case.process_model_id == db.session.scalar(select(ProcessModel.id).where(ProcessModel.version == 2))


def test_a_limit_changed_in_the_parameter_form_becomes_a_validated_draft(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    page = client.get("/models/bad_review/v1").get_data(as_text=True)
    assert "一般差评整改时限" in page and "工作日" in page and "GB/T 39735-2020" in page and "补充评价期限" in page
    form = {key: str(value) for key, value in parameters.read(read_model_files(BPMN)[0], "bad_review").items()}
    token = csrf_token(client, "/models/bad_review/v1")
    wrong = client.post("/models/bad_review/v1/parameters",
                        data={**form, "limit_general_days": "三", "csrf_token": token})
    assert wrong.status_code == 422 and "一般差评整改时限必须是整数" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProcessModel)) == 1

    saved = client.post("/models/bad_review/v1/parameters",
                        data={**form, "limit_general_days": "3", "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/models/bad_review/v2")
    draft = db.session.scalar(select(ProcessModel).where(ProcessModel.version == 2))
    assert draft.status == ModelStatus.draft and draft.validation["ok"] and draft.validation["tests_run"] > 10
    assert parameters.read(draft.bpmn_xml, "bad_review")["limit_general_days"] == 3
    assert draft.comment == "一般差评整改时限：5 个工作日 → 3 个工作日"
    assert "一般差评整改时限：5 个工作日 → 3 个工作日" in client.get("/models/bad_review/v2").get_data(as_text=True)
