"""Policy staff edit a task form's labels, options and required flags in plain inputs; the result is the same
JSON Schema the engine validates against, saved as a validated draft."""
from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.process_model import form_editor
from app.process_model.models import ModelStatus, ProcessModel
from app.task import form_rules as form_rules
from tests.fixtures.lifecycle import local
from tests.process_model.conftest import csrf_token


def _form(schema: dict) -> dict:
    """What the page posts when nothing is changed."""
    data = {}
    for row in form_editor.rows(schema):
        data[f"{row['key']}.title"] = row["title"]
        data[f"{row['key']}.description"] = row["description"]
        if row["required"]:
            data[f"{row['key']}.required"] = "1"
        for index, option in enumerate(row["options"]):
            data[f"{row['key']}.option.{index}.title"] = option["title"]
    return data


def test_options_and_required_flags_become_json_schema_the_engine_enforces(app):
    from app.workflow.registry import read_model_files
    from tests.process_model.test_model_pages import BPMN

    schema = read_model_files(BPMN)[1]["verify"]
    posted = {**_form(schema), "contact_method.required": "1", "contact_method.option.3.title": "其他方式",
              "contact_method.new.title": "视频", "contact_method.new.value": "video"}
    new, problems = form_editor.apply(schema, posted)
    assert problems == []
    assert new["properties"]["contact_method"]["enum"] == ["phone", "sms", "visit", "other", "video"]
    assert new["properties"]["contact_method"]["x-enum-titles"][-2:] == ["其他方式", "视频"]
    assert "contact_method" in new["required"] and new["allOf"] == schema["allOf"]
    errors = form_rules.validate(new, {"finding": "valid"}, evaluate=lambda e, c: True, context={},
                                 org_exists=lambda code: True)
    assert "contact_method" in errors
    _, problems = form_editor.apply(schema, {**posted, "contact_method.new.value": "视频"})
    assert "代码须为小写英文字母开头" in problems[0]["message"]


def test_the_form_page_saves_a_validated_draft_and_refuses_what_breaks_the_test_cases(signed_in, open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    client = signed_in("policy_c")
    url = "/models/bad_review/v1/forms/verify"
    page = client.get(url).get_data(as_text=True)
    assert "联系方式" in page and "必填" in page and "高级：查看 JSON Schema" in page
    schema = db.session.scalar(select(ProcessModel)).forms["verify"]
    token = csrf_token(client, url)
    broken = client.post(url, data={**_form(schema), "contacted_at.required": "1", "csrf_token": token})
    assert broken.status_code == 422 and "测试用例" in broken.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProcessModel)) == 1
    saved = client.post(url, data={**_form(schema), "contact_method.required": "1", "contact_method.new.title": "视频",
                                   "contact_method.new.value": "video", "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/models/bad_review/v2")
    draft = db.session.scalar(select(ProcessModel).where(ProcessModel.version == 2))
    assert draft.status == ModelStatus.draft and draft.validation["ok"]
    assert "video" in draft.forms["verify"]["properties"]["contact_method"]["enum"]
    assert "contact_method" in draft.forms["verify"]["required"]
    assert client.get("/models/bad_review/v1/forms/nope").status_code == 404
