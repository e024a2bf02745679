"""A policy administrator changes a rule alone in the browser: the general rectification limit from 5 to 3
working days in the parameter form, the impact preview on last month's cases, deployment; new cases get 3
working days while running cases keep theirs."""
from __future__ import annotations

import re
from datetime import UTC

from sqlalchemy import select

from app.db import db
from app.process_model import versions
from app.process_model.models import ModelStatus, ProcessModel
from tests.browser.test_department_flow import open_case
from tests.fixtures.browser import screenshot, sign_in
from tests.fixtures.lifecycle import CaseDriver, local


def _classified_case(live) -> int:
    """A case opened now (Friday 2026-11-20 10:00) and classified as general: its rectification is open."""
    _, app, world = live
    case_id, _ = open_case(live)
    with app.app_context():
        CaseDriver(app.test_client(), world, case_id).accept_and_classify("general")
        db.session.remove()
    return case_id


def _rectify_due(live, case_id: int):
    _, app, world = live
    with app.app_context():
        due = CaseDriver(app.test_client(), world, case_id).task("rectify").due_at
        db.session.remove()
    return due


def _change_general_to_three(page) -> None:
    sign_in(page, "policy_c")
    page.goto("/models")
    page.get_by_role("link", name=re.compile("第 \\d+ 版")).first.click()
    field = page.get_by_label("一般差评整改时限")
    assert field.input_value() == "5"
    assert page.locator("#parameters").get_by_text("GB/T 39735-2020").first.is_visible()
    field.fill("3")
    page.get_by_role("button", name="保存为新草稿").click()
    page.wait_for_load_state()
    assert page.get_by_text("已保存为草稿").is_visible()
    assert page.get_by_text("一般差评整改时限：5 个工作日 → 3 个工作日").first.is_visible()


def _see_the_impact(page) -> None:
    page.get_by_role("link", name="影响预估").click()
    page.wait_for_load_state()
    row = page.locator("#calculator tr", has_text="一般差评整改时限")
    assert "5 个工作日 → 3 个工作日" in row.inner_text()
    page.get_by_label("回放最近").select_option("1")
    page.get_by_role("button", name="开始回放").click()
    summary = page.locator(".replay-summary")
    summary.wait_for(timeout=30_000)
    changed = int(re.search(r"(\d+) 个工单的期限会改变", summary.inner_text()).group(1))
    assert changed >= 1
    screenshot(page, "model-impact-preview")
    page.get_by_role("link", name=re.compile("← 第")).click()
    page.wait_for_load_state()


def _deploy(page) -> None:
    page.get_by_role("button", name="部署此版本").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile("已部署第 \\d+ 版")).is_visible()


def _restore_the_shipped_model(app) -> None:
    with app.app_context():
        for model in db.session.scalars(select(ProcessModel).where(ProcessModel.source == "parameters")):
            model.status = ModelStatus.retired
        versions.sync_defaults()  # the shipped model deployed again, for the other tests on the live server
        db.session.commit()
        db.session.remove()


def test_a_policy_administrator_shortens_the_general_limit_and_new_cases_follow(page, live):
    _, app, _ = live
    running = _classified_case(live)
    try:
        _change_general_to_three(page)
        _see_the_impact(page)
        _deploy(page)
        new = _classified_case(live)
        assert _rectify_due(live, new) == local(2026, 11, 26, 0, 0).astimezone(UTC)  # 3 working days
        assert _rectify_due(live, running) == local(2026, 11, 28, 0, 0).astimezone(UTC)  # still 5
    finally:
        _restore_the_shipped_model(app)


def test_a_policy_administrator_edits_a_form_field_without_json(page, live):
    _, app, _ = live
    try:
        sign_in(page, "policy_c")
        page.goto("/models")
        page.get_by_role("link", name=re.compile("第 \\d+ 版")).first.click()
        page.get_by_role("link", name="核实", exact=True).click()
        page.wait_for_load_state()
        page.get_by_label("联系方式：必填").check()
        page.get_by_label("联系方式新增选项显示名称").fill("视频")
        page.get_by_label("联系方式新增选项代码").fill("video")
        page.get_by_label("删除“短信”").check()
        page.get_by_role("button", name="保存为新草稿").click()
        page.wait_for_load_state()
        assert page.get_by_text("已保存为草稿").is_visible()
        screenshot(page, "model-form-editor-saved")
        with app.app_context():
            draft = db.session.scalars(select(ProcessModel).where(ProcessModel.source == "form-editor")).one()
            field = draft.forms["verify"]["properties"]["contact_method"]
            assert field["enum"] == ["phone", "visit", "other", "video"]
            assert field["x-enum-titles"] == ["电话", "上门", "其他", "视频"]
            assert "contact_method" in draft.forms["verify"]["required"] and draft.status == ModelStatus.draft
            db.session.remove()
    finally:
        with app.app_context():
            for model in db.session.scalars(select(ProcessModel).where(ProcessModel.source == "form-editor")):
                model.status = ModelStatus.retired
            db.session.commit()
            db.session.remove()
