"""A department and its supervision office working bad-review cases in a real browser, from 我的待办 to 销号."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.db import db
from app.evaluation import service as evaluation_service
from app.org.service import find_by_code
from app.service_case.models import ServiceCase, ServiceItem
from app.user.principal import Principal
from app.user.service import get_by_username
from tests.conftest import TEST_NOW
from tests.fixtures.browser import ARTIFACTS, screenshot, sign_in


def open_case(live) -> tuple[int, str]:
    """A bad review of a service case of 甲县人社局, received through the API's service layer; (id, case no)."""
    _, app, _ = live
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ITEM-HR-1"))
        finished_at = TEST_NOW - timedelta(hours=2)
        service_case = ServiceCase(
            case_no=f"SC-B-{uuid.uuid4().hex[:8]}", item=item, org_unit=find_by_code("A-HR"),
            window=find_by_code("A-W1"), channel="window", applicant_kind="natural_person", applicant_name="王小明",
            applicant_phone="13912345678", applicant_cert_no="320102199001011234",
            accepted_at=finished_at - timedelta(days=1), finished_at=finished_at, created_at=TEST_NOW)
        db.session.add(service_case)
        db.session.flush()
        evaluation = evaluation_service.create(
            {"service_case_no": service_case.case_no, "level": 1, "channel": "window_device", "real_name": True,
             "comment": "窗口人员态度冷淡，等了一个小时", "reasons": ["attitude"],
             "evaluated_at": TEST_NOW - timedelta(minutes=30)},
            principal=Principal.for_user(get_by_username("client_c")))
        db.session.commit()
        case = evaluation.bad_review_case
        return case.id, case.case_no


def open_task(page, case_no: str, task_name: str) -> None:
    """From 我的待办, opens the named task of the case."""
    page.goto("/tasks")
    page.locator("tr", has_text=case_no).get_by_role("link", name=task_name, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith(task_name)


def submit(page) -> None:
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url("**/tasks")
    assert page.get_by_role("status").filter(has_text="已提交").is_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


def test_a_case_goes_from_the_department_inbox_to_close_out(page, live):
    case_id, case_no = open_case(live)
    work_to_close_out(page, case_id, case_no)


def work_to_close_out(page, case_id: int, case_no: str) -> None:
    """The department and the supervision office work the case in the browser, from sign-for to close-out."""
    sign_in(page, "handler_a")
    page.wait_for_url("**/tasks")
    row = page.locator("tr", has_text=case_no)
    assert row.get_by_role("link", name="签收响应").is_visible()
    screenshot(page, "inbox-handler")

    open_task(page, case_no, "签收响应")
    assert page.get_by_text("窗口人员态度冷淡，等了一个小时").is_visible()
    page.get_by_label("接受").check()
    page.get_by_label("签收说明").fill("已签收，今日联系评价人")
    screenshot(page, "task-sign-for")
    submit(page)

    open_task(page, case_no, "核实")
    page.get_by_label("属实").check()
    page.get_by_label("电话").check()
    page.get_by_label("联系时间").fill("2026-11-20T09:30")
    submit(page)

    open_task(page, case_no, "分类定性")
    page.get_by_label("复杂").check()
    page.get_by_label("深入改").check()
    page.get_by_label("服务态度").check()
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("会商部门：必填").is_visible()  # complex needs the consulted departments
    assert page.get_by_label("深入改").is_checked()  # what was chosen is kept
    screenshot(page, "task-classify-errors")
    page.get_by_label("一般").check()
    submit(page)

    open_task(page, case_no, "整改落实")
    page.get_by_label("整改措施").fill("对窗口人员开展服务规范培训")
    page.get_by_label("整改完成").check()
    page.get_by_label("整改结果").fill("已完成培训并纳入考核")
    submit(page)

    open_task(page, case_no, "反馈评价人")
    assert page.get_by_role("group", name="政务服务差评事项核查整改情况报告单").is_visible()
    page.get_by_label("反馈内容").fill("已电话告知评价人核查和整改情况")
    page.get_by_label("反馈方式").select_option(label="电话")
    page.get_by_label("核查情况").fill("窗口人员服务态度不佳属实")
    page.get_by_label("整改措施").fill("开展服务规范培训")
    page.get_by_label("整改结果").fill("培训已完成")
    page.get_by_label("责任人").fill("李科长")
    screenshot(page, "task-feedback-form")
    submit(page)
    sign_out(page)

    sign_in(page, "supervisor_a")
    open_task(page, case_no, "回访")
    page.get_by_label("是", exact=True).check()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("回访记录").fill("评价人对整改结果表示满意")
    submit(page)

    open_task(page, case_no, "销号")
    assert page.get_by_text("培训已完成").is_visible()  # the report form among the earlier steps
    page.get_by_label("是", exact=True).check()
    page.get_by_label("销号意见").fill("整改到位，同意销号")
    submit(page)

    page.goto(f"/cases/{case_id}")
    assert page.get_by_role("heading", level=1).inner_text().endswith("已销号")
    page.wait_for_selector("#diagram[data-state=ready] svg")
    assert page.locator(".djs-element.done").count() >= 7
    assert page.locator(".djs-element.current").count() == 0
    assert page.get_by_text("启动流程（模型第").first.is_visible()
    screenshot(page, "case-closed")
    page.locator("#diagram").screenshot(path=str(ARTIFACTS / "case-closed-diagram.png"))


def test_an_upheld_appeal_ends_the_case_as_not_adopted(page, live):
    case_id, case_no = open_case(live)
    sign_in(page, "handler_a")
    open_task(page, case_no, "签收响应")
    reason_label = page.locator("label[for=f-appeal_reason]")
    assert "required" not in (reason_label.get_attribute("class") or "")
    page.get_by_label("申诉", exact=True).check()
    assert "required" in reason_label.get_attribute("class")  # task.js marks what the choice makes required
    page.get_by_label("申诉理由").fill("评价人办理时情绪激动，误点差评")
    page.get_by_label("申诉证据").fill("窗口监控录像 2026-11-20 09:10–09:40")
    submit(page)
    sign_out(page)

    sign_in(page, "supervisor_a")
    open_task(page, case_no, "申诉审核")
    page.get_by_label("申诉成立", exact=True).check()
    page.get_by_label("理由").fill("录像证实服务规范，差评不属实")
    submit(page)

    page.goto(f"/cases/{case_id}")
    assert page.get_by_role("heading", level=1).inner_text().endswith("不予采纳")
    assert page.get_by_text("录像证实服务规范，差评不属实").first.is_visible()
    page.wait_for_selector("#diagram[data-state=ready] svg")
    assert page.locator(".djs-element.done[data-element-id=appeal_review]").count() == 1
    screenshot(page, "case-not-adopted")


def test_a_handler_of_another_county_cannot_open_the_task(page, live):
    _, case_no = open_case(live)
    _, app, _ = live
    with app.app_context():
        from app.case.models import BadReviewCase
        from app.task.models import CaseTask

        task_id = db.session.scalar(select(CaseTask.id).join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
                                    .where(BadReviewCase.case_no == case_no))
    sign_in(page, "handler_b")
    response = page.goto(f"/tasks/{task_id}")
    assert response.status == 403
    assert page.get_by_role("heading", name="无权访问").is_visible()
    assert page.get_by_text("该任务不在您的管辖范围内").is_visible()
    screenshot(page, "task-forbidden")


def test_the_inbox_is_usable_on_a_phone(phone, live):
    _, case_no = open_case(live)
    sign_in(phone, "handler_a")
    phone.wait_for_url("**/tasks")
    assert phone.locator("tr", has_text=case_no).get_by_role("button", name="认领").is_visible()
    phone.locator("tr", has_text=case_no).get_by_role("button", name="认领").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("已认领任务「签收响应」").is_visible()
    screenshot(phone, "inbox-phone")
