"""The case page (status, deadlines, current tasks, timeline, diagram) and 工单查询."""
from __future__ import annotations

import re

from sqlalchemy import event

from tests.conftest import TEST_NOW
from tests.fixtures.lifecycle import local


def _closed(case) -> None:
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强窗口培训", "result": "已整改", "action": "done"})
    case.do("feedback", {"feedback_text": "已向评价人说明整改情况", "feedback_channel": "phone",
                         "report": {"findings": "等候时间过长属实", "measures": "增开窗口", "result": "已完成",
                                    "responsible_person": "李科长"}})
    case.do("return_visit", {"reached": True, "satisfaction": "satisfied", "note": "评价人表示满意"})
    case.do("close_out", {"approved": True, "note": "同意销号"})


def _attribute(html: str, name: str) -> list[str]:
    return re.search(rf'{name}="([^"]*)"', html).group(1).split()


def test_a_new_case_shows_its_deadlines_current_task_and_timeline(open_case, sign_in):
    case = open_case()
    html = sign_in("handler_a").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert f"差评工单 {case.case.case_no}" in html and "处理中" in html
    for name in ("签收期限", "申诉期限"):
        assert name in html
    assert "2026-11-24 00:00" in html  # sign-for: the end of Monday 23 November, Shanghai time
    assert f'href="/tasks/{case.task("sign_for").id}">签收响应</a>' in html
    for text in ("收到评价", "非常不满意，窗口评价器", "生成差评工单", "启动流程（模型第1版）", "新任务", "期限变化"):
        assert text in html, text
    assert _attribute(html, "data-current") == ["sign_for"] and _attribute(html, "data-finished") == []
    assert f'data-xml-url="/cases/{case.case_id}/diagram.bpmn"' in html
    assert "bpmn-navigated-viewer.production.min.js" in html and "js/diagram.js" in html


def test_a_closed_case_shows_every_step_with_what_was_submitted(open_case, sign_in):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    _closed(case)
    html = sign_in("auditor_c").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "已销号" in html and "没有待办任务，工单已结束" in html
    for text in ("提交", "签收响应", "处理方式", "接受", "差评类别", "一般", "整改措施", "加强窗口培训",
                 "政务服务差评事项核查整改情况报告单", "李科长", "评价人对整改结果", "满意", "结案",
                 "整改期限", "回访期限"):
        assert text in html, text
    assert "handler_a" in html and "supervisor_a" in html  # who did what
    finished = _attribute(html, "data-finished")
    assert {"sign_for", "verify", "classify", "rectify", "feedback", "return_visit", "close_out"} <= set(finished)
    assert _attribute(html, "data-current") == []


def test_an_upheld_appeal_shows_not_adopted(open_case, sign_in):
    case = open_case()
    case.do("sign_for", {"action": "appeal", "appeal_reason": "评价人误操作", "evidence": "监控录像"})
    case.do("appeal_review", {"decision": "upheld", "reason": "录像证实服务规范"})
    html = sign_in("supervisor_a").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert '<span class="badge status-not_adopted">不予采纳</span>' in html
    assert "<strong>不予采纳</strong>：申诉成立：录像证实服务规范" in html
    assert "<strong>结案</strong>：不予采纳" in html


def test_a_fired_deadline_timer_and_the_overdue_flag_are_in_the_timeline(app, open_case, sign_in, clock):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    case.tick(app, local(2026, 11, 24, 8, 0))
    clock.set(TEST_NOW)
    html = sign_in("handler_a").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "计时器触发" in html and "逾期" in html and "督办" in html
    assert "系统（定时任务）" in html
    assert "deadline_timer" in _attribute(html, "data-finished")
    assert {"rectify", "supervise"} <= set(_attribute(html, "data-current"))


def test_the_diagram_endpoint_answers_the_case_models_xml(open_case, sign_in):
    case = open_case()
    response = sign_in("auditor_c").get(f"/cases/{case.case_id}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    assert "<bpmn:definitions" in body and 'id="sign_for"' in body


def test_cases_of_another_county_are_403_and_unknown_cases_404(open_case, sign_in):
    case = open_case()
    other = sign_in("handler_b")
    for path in (f"/cases/{case.case_id}", f"/cases/{case.case_id}/diagram.bpmn"):
        response = other.get(path)
        assert response.status_code == 403, path
        assert "不在您的管辖范围内" in response.get_data(as_text=True)
    missing = sign_in("handler_a").get("/cases/999999")
    assert missing.status_code == 404 and "差评工单不存在" in missing.get_data(as_text=True)
    assert sign_in("handler_a").get("/cases/999999/diagram.bpmn").status_code == 404


def test_roles_without_case_access_get_a_403_page(world, sign_in):
    assert sign_in("policy_c").get("/cases").status_code == 403


def test_the_case_list_shows_my_scope_and_filters_by_status(open_case, sign_in):
    mine, closed = open_case(), open_case(at=local(2026, 11, 16, 9, 0))
    _closed(closed)
    other = open_case(org="B-HR", item="ITEM-BHR-1")
    client = sign_in("handler_a")
    html = client.get("/cases").get_data(as_text=True)
    assert mine.case.case_no in html and closed.case.case_no in html and other.case.case_no not in html
    only_closed = client.get("/cases?status=closed").get_data(as_text=True)
    assert closed.case.case_no in only_closed and mine.case.case_no not in only_closed
    assert '<option value="closed" selected>已销号</option>' in only_closed
    auditor = sign_in("auditor_c").get("/cases").get_data(as_text=True)
    assert other.case.case_no in auditor  # the city auditor sees both counties


def test_the_case_list_filters_by_org_and_received_period(open_case, sign_in):
    early, late = open_case(at=local(2026, 11, 16, 9, 0)), open_case(at=local(2026, 11, 19, 9, 0))
    market = open_case(org="A-MKT", item="ITEM-MKT-1")
    client = sign_in("supervisor_a")
    period = client.get("/cases?received_from=2026-11-16&received_to=2026-11-18").get_data(as_text=True)
    assert early.case.case_no in period and late.case.case_no not in period
    by_org = client.get("/cases?org_code=A-MKT").get_data(as_text=True)
    assert market.case.case_no in by_org and early.case.case_no not in by_org


def test_bad_case_list_filters_answer_422_with_the_reason(world, sign_in):
    client = sign_in("handler_a")
    bad_date = client.get("/cases?received_from=yesterday")
    assert bad_date.status_code == 422 and "日期格式应为" in bad_date.get_data(as_text=True)
    unknown = client.get("/cases?org_code=NOPE")
    assert unknown.status_code == 422 and "机构编码不存在" in unknown.get_data(as_text=True)
    assert client.get("/cases?org_code=B-HR").status_code == 403


def test_the_case_list_pages_with_a_constant_number_of_queries(app, open_case, sign_in):
    for _ in range(6):
        open_case()
    client = sign_in("handler_a")
    statements = []

    def count(*_args):
        statements.append(1)

    engine = app.extensions["db_engine"]
    client.get("/cases")  # warm up: the first request loads what later ones keep
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/cases")
        few = len(statements)
        for _ in range(6):
            open_case()
        statements.clear()
        client.get("/cases")
        many = len(statements)
        statements.clear()
        client.get("/tasks")
        inbox = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert many <= few  # not one more query for six more rows
    assert inbox <= few + 2
