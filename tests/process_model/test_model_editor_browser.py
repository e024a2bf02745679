"""Round trip through the in-browser editor: a policy officer renames a task in the bpmn-js modeler, sees
validation pass, saves a draft and deploys it; the XML the editor produced keeps the model's rule parameters
and runs in the engine. (Limits are changed in the parameter form: tests/browser/test_policy_admin.py.)"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from app.db import db
from app.process_model.models import ModelStatus, ProcessModel
from app.workflow.engine import CaseWorkflow
from app.workflow.registry import get_bundle
from tests.fixtures.browser import screenshot, sign_in

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"


def _select(page, element_id: str) -> None:
    page.locator(f'#modeler [data-element-id="{element_id}"]').first.click(force=True)
    expect(page.locator("#prop-id")).to_have_text(element_id)


def _edit_in_browser(page) -> None:
    sign_in(page, "policy_c")
    page.goto("/models/bad_review/edit")
    page.wait_for_selector('#modeler[data-state="ready"]')
    _select(page, "sign_for")
    page.locator("#prop-name").fill("签收（浏览器编辑）")
    page.locator("#prop-name").press("Tab")
    page.fill("#comment", "签收步骤改名")
    page.get_by_role("button", name="保存为草稿").click()
    page.wait_for_url("**/models/bad_review/v*")
    assert "校验通过" in page.content()
    screenshot(page, "model-editor-saved")
    page.get_by_role("button", name="部署此版本").click()
    page.wait_for_load_state()
    assert "已部署第" in page.content()


def test_a_model_edited_in_the_browser_is_saved_deployed_and_runs(page, live):
    _, app, _ = live
    try:
        _edit_in_browser(page)
        _check_the_saved_model_runs(app)
    finally:
        _restore_the_shipped_model(app)


def _restore_the_shipped_model(app) -> None:
    """Other tests on the shared live server expect the shipped model (it is deployed again on the next case)."""
    with app.app_context():
        for model in db.session.scalars(select(ProcessModel).where(ProcessModel.source == "editor")):
            model.status = ModelStatus.retired
        db.session.commit()
        db.session.remove()


def _check_the_saved_model_runs(app) -> None:
    with app.app_context():
        model = db.session.scalars(select(ProcessModel).order_by(ProcessModel.version.desc())).first()
        assert model.status == ModelStatus.deployed and model.source == "editor"
        assert model.bpmn_xml != BPMN.read_text(encoding="utf-8")  # re-serialized by bpmn-js
        workflow, _ = CaseWorkflow.start(get_bundle(model), {
            "case_id": 1, "case_no": "CP-RT", "evaluation_level": 1, "real_name": True, "responsible_org": "A-HR",
            "received_at": "2026-11-20T02:00:00+00:00"})  # the live app's frozen now: Friday 10:00
        [sign_for] = workflow.ready_human_tasks()
        assert sign_for.name == "签收（浏览器编辑）"
        workflow.complete(sign_for.uuid, {"action": "accept"})
        workflow.complete(workflow.ready_human_tasks()[0].uuid, {"finding": "valid", "contact_method": "phone"})
        workflow.complete(workflow.ready_human_tasks()[0].uuid,
                          {"category": "general", "nature": "instant", "aspect": "attitude"})
        [rectify] = workflow.ready_human_tasks()
        assert rectify.data["rectify_deadline"] == "2026-11-27T16:00:00+00:00"  # the model's 5 working days
        db.session.remove()
