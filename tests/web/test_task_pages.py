"""我的待办 and the task page: scope, urgency marks, claiming, the schema-driven form and its answers."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.db import db
from app.task import form_view
from app.task.models import CaseTask, TaskState
from tests.conftest import TEST_NOW
from tests.fixtures.lifecycle import local
from tests.web.conftest import csrf_token


def _row(html: str, task_id: int) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-task-id="{task_id}">(.*?)</tr>', html, re.S)
    assert match, f"task {task_id} is not listed"
    return match.group(0)


def _post(client, path: str, data: dict | MultiDict, page: str | None = None):
    form = MultiDict(data)
    form["csrf_token"] = csrf_token(client, page or path)
    return client.post(path, data=form)


def _task(task_id: int) -> CaseTask:
    return db.session.get(CaseTask, task_id, populate_existing=True)


# --- the inbox -----------------------------------------------------------------------------------------

def test_the_inbox_lists_only_the_tasks_of_my_lanes_and_org_scope(open_case, sign_in):
    mine = open_case()
    other_county = open_case(org="B-HR", item="ITEM-BHR-1")
    html = sign_in("handler_a").get("/tasks").get_data(as_text=True)
    assert "我的待办" in html and mine.case.case_no in html
    assert other_county.case.case_no not in html
    assert "签收响应" in html and "甲县人社局" in html
    supervisor = sign_in("supervisor_a").get("/tasks").get_data(as_text=True)
    assert mine.case.case_no not in supervisor  # sign-for belongs to the department lane
    assert "没有符合条件的待办任务" in supervisor


def test_an_overdue_task_is_marked_red_and_a_task_due_today_is_highlighted(open_case, sign_in, clock):
    late = open_case(at=local(2026, 11, 16, 9, 0))  # sign-for due at the end of Tuesday 17th
    today = open_case(at=local(2026, 11, 19, 9, 0))  # due at the end of Friday 20th = today
    clock.set(TEST_NOW)
    html = sign_in("handler_a").get("/tasks").get_data(as_text=True)
    late_row, today_row = _row(html, late.task("sign_for").id), _row(html, today.task("sign_for").id)
    assert 'class="overdue"' in late_row and "已逾期" in late_row and "逾期 3 个工作日" in late_row
    assert 'class="due-today"' in today_row and "今日到期" in today_row
    assert html.index(late.case.case_no) < html.index(today.case.case_no)  # most urgent first


def test_the_inbox_filters_by_overdue_task_type_and_case_number(open_case, sign_in, clock):
    late = open_case(at=local(2026, 11, 16, 9, 0))
    fresh = open_case(at=local(2026, 11, 20, 9, 0))
    fresh.do("sign_for", {"action": "accept"})
    clock.set(TEST_NOW)
    client = sign_in("handler_a")
    overdue = client.get("/tasks?overdue=1").get_data(as_text=True)
    assert late.case.case_no in overdue and fresh.case.case_no not in overdue
    verify = client.get("/tasks?task=verify").get_data(as_text=True)
    assert fresh.case.case_no in verify and late.case.case_no not in verify
    assert '<option value="verify" selected>核实</option>' in verify
    by_number = client.get(f"/tasks?q={late.case.case_no}").get_data(as_text=True)
    assert late.case.case_no in by_number and fresh.case.case_no not in by_number
    by_service_case = client.get(f"/tasks?q={fresh.case.evaluation.service_case.case_no}").get_data(as_text=True)
    assert fresh.case.case_no in by_service_case and late.case.case_no not in by_service_case


def test_the_inbox_pages_by_fifty_and_keeps_the_filters(open_case, sign_in):
    for _ in range(51):
        open_case()
    client = sign_in("handler_a")
    first = client.get("/tasks?task=sign_for").get_data(as_text=True)
    assert first.count("data-task-id=") == 50
    assert "下一页" in first and "上一页" not in first
    next_url = re.search(r'href="([^"]+)">下一页', first).group(1).replace("&amp;", "&")
    assert "task=sign_for" in next_url and "page=2" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert second.count("data-task-id=") == 1 and "上一页" in second


def test_roles_without_an_inbox_get_a_403_page(world, sign_in):
    response = sign_in("auditor_c").get("/tasks")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_claiming_and_releasing_from_the_inbox(open_case, sign_in):
    case = open_case()
    task_id = case.task("sign_for").id
    client = sign_in("handler_a")
    response = _post(client, f"/tasks/{task_id}/claim", {"next": "/tasks?task=sign_for"}, page="/tasks")
    assert response.status_code == 302 and response.headers["Location"] == "/tasks?task=sign_for"
    assert _task(task_id).claimed_by.username == "handler_a"
    html = client.get("/tasks").get_data(as_text=True)
    assert "已认领任务「签收响应」" in html
    assert "释放" in _row(html, task_id) and "handler_a" in _row(html, task_id)
    _post(sign_in("lead_a"), f"/tasks/{task_id}/claim", {}, page="/tasks")
    assert _task(task_id).claimed_by.username == "handler_a"
    response = _post(client, f"/tasks/{task_id}/release", {}, page="/tasks")
    assert response.headers["Location"] == "/tasks"
    assert _task(task_id).claimed_by_id is None


def test_claiming_returns_to_the_inbox_rather_than_to_another_site(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    client = sign_in("handler_a")
    for target in ("/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"):
        response = _post(client, f"/tasks/{task_id}/release", {"next": target}, page="/tasks")
        assert response.headers["Location"] == "/tasks", target


def test_claiming_a_task_someone_else_holds_flashes_the_conflict(open_case, sign_in):
    case = open_case()
    task_id = case.task("sign_for").id
    _post(sign_in("handler_a"), f"/tasks/{task_id}/claim", {}, page="/tasks")
    lead = sign_in("lead_a")
    response = _post(lead, f"/tasks/{task_id}/claim", {}, page="/tasks")
    assert response.status_code == 302
    assert "该任务已被他人认领" in lead.get("/tasks").get_data(as_text=True)


def test_claiming_needs_the_csrf_token_and_scope(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    assert sign_in("handler_a").post(f"/tasks/{task_id}/claim").status_code == 400
    assert _post(sign_in("handler_b"), f"/tasks/{task_id}/claim", {}, page="/tasks").status_code == 403
    assert _task(task_id).claimed_by_id is None


# --- the task page -------------------------------------------------------------------------------------

def test_the_task_page_shows_the_case_the_evaluation_and_the_form(open_case, sign_in):
    case = open_case()
    html = sign_in("handler_a").get(f"/tasks/{case.task('sign_for').id}").get_data(as_text=True)
    for text in ("工单摘要", case.case.case_no, "处理中", "甲县人社局", "非常不满意", "窗口评价器", "办事等待时间太长",
                 "办事效率", "王小明", "任务期限", "2026-11-24 00:00"):
        assert text in html, text
    assert '<legend class="required">处理方式</legend>' in html
    assert re.search(r'<input type="radio" id="f-action-1" name="action"\s+value="accept"> 接受', html)
    assert '<label for="f-appeal_reason" class="">申诉理由</label>' in html
    assert "当「处理方式」为「申诉」时必填" in html
    assert 'maxlength="500"' in html and 'maxlength="2000"' in html
    assert 'name="csrf_token"' in html and "js/task.js" in html


def test_the_evaluator_is_masked_for_auditors_who_see_the_task_read_only(open_case, sign_in):
    case = open_case()
    response = sign_in("auditor_c").get(f"/tasks/{case.task('sign_for').id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王小明" not in html and "已脱敏" in html
    assert 'class="task-form"' not in html and "不能办理" in html


def test_the_feedback_form_renders_the_report_as_its_own_fieldset(open_case, sign_in):
    case = open_case()
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强培训", "result": "已整改", "action": "done"})
    html = sign_in("handler_a").get(f"/tasks/{case.task('feedback').id}").get_data(as_text=True)
    assert '<legend class="required">政务服务差评事项核查整改情况报告单</legend>' in html
    assert '<label for="f-report-findings" class="required">核查情况</label>' in html
    assert 'name="report.responsible_person"' in html and 'maxlength="100"' in html
    assert '<select id="f-feedback_channel"' in html  # five channels: a select, not radios
    assert "前序步骤" in html and "加强培训" in html and "整改完成" in html  # earlier steps, readable


def test_the_classify_form_offers_the_other_departments_of_the_county(open_case, sign_in):
    case = open_case()
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "valid"})
    html = sign_in("handler_a").get(f"/tasks/{case.task('classify').id}").get_data(as_text=True)
    select = re.search(r'<select id="f-co_departments".*?</select>', html, re.S).group(0)
    assert "multiple" in select and 'value="A-MKT"' in select
    assert 'value="A-HR"' not in select and 'value="A-SUP"' not in select and 'value="B-HR"' not in select
    assert 'name="co_departments__codes"' in html
    assert "当「差评类别」为「复杂」时必填" in html


def test_a_bad_submission_shows_each_error_by_its_field_and_keeps_what_was_typed(open_case, sign_in):
    case = open_case()
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强培训", "result": "已整改", "action": "done"})
    task_id = case.task("feedback").id
    client = sign_in("handler_a")
    response = _post(client, f"/tasks/{task_id}", {"feedback_text": "已电话说明<整改>情况", "feedback_channel": "sms",
                                                    "report.measures": "增开窗口"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "表单填写有误" in html
    assert re.search(r'id="f-report-findings-help".*?核查情况：必填', html, re.S)
    assert re.search(r'id="f-report-result-help".*?整改结果：必填', html, re.S)
    assert "已电话说明&lt;整改&gt;情况</textarea>" in html
    assert 'value="sms" selected' in html and ">增开窗口</textarea>" in html
    assert _task(task_id).state == TaskState.open


def test_a_conditional_requirement_is_reported_next_to_its_field(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    response = _post(sign_in("handler_a"), f"/tasks/{task_id}", {"action": "appeal", "evidence": "录像"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="f-appeal_reason-help".*?申诉理由：必填', html, re.S)
    assert 'value="appeal" checked' in html and ">录像</textarea>" in html


def test_a_good_submission_completes_the_task_and_returns_to_the_inbox(open_case, sign_in):
    case = open_case()
    task_id = case.task("sign_for").id
    client = sign_in("handler_a")
    response = _post(client, f"/tasks/{task_id}", {"action": "accept", "note": "已签收", "appeal_reason": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/tasks"
    assert "已提交" in client.get("/tasks").get_data(as_text=True)
    task = _task(task_id)
    assert task.state == TaskState.completed and task.submitted == {"action": "accept", "note": "已签收"}
    assert case.open_task_names() == ["verify"]


def test_a_local_contact_time_is_submitted_as_a_shanghai_instant(open_case, sign_in):
    case = open_case()
    case.do("sign_for", {"action": "accept"})
    task_id = case.task("verify").id
    client = sign_in("handler_a")
    assert 'type="datetime-local"' in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    response = _post(client, f"/tasks/{task_id}", {"finding": "valid", "contact_method": "phone",
                                                   "contacted_at": "2026-11-20T09:30"})
    assert response.status_code == 302
    assert _task(task_id).submitted["contacted_at"] == "2026-11-20T09:30:00+08:00"


def test_co_departments_come_from_the_select_and_the_typed_codes(open_case, sign_in):
    case = open_case()
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "valid"})
    task_id = case.task("classify").id
    form = MultiDict([("category", "complex"), ("nature", "deep"), ("aspect", "efficiency"),
                      ("co_departments", "A-MKT"), ("co_departments__codes", "B-HR，A-MKT")])
    response = _post(sign_in("handler_a"), f"/tasks/{task_id}", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _task(task_id).submitted["co_departments"] == ["A-MKT", "B-HR"]
    assert sorted(t.org_unit.code for t in case.open_tasks()) == ["A-MKT", "B-HR"]


def test_a_required_yes_no_question_is_asked_with_two_radios(open_case, sign_in):
    case = open_case()
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强培训", "result": "已整改", "action": "done"})
    case.do("feedback", {"feedback_text": "已说明", "feedback_channel": "phone",
                         "report": {"findings": "属实", "measures": "培训", "result": "完成",
                                    "responsible_person": "李科长"}})
    task_id = case.task("return_visit").id
    client = sign_in("supervisor_a")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'name="reached"\n           value="true"> 是' in html and 'value="false"> 否' in html
    missing = _post(client, f"/tasks/{task_id}", {"satisfaction": "satisfied"})
    assert missing.status_code == 422 and "已联系到评价人：必填" in missing.get_data(as_text=True)
    done = _post(client, f"/tasks/{task_id}", {"reached": "true", "satisfaction": "satisfied"})
    assert done.status_code == 302
    assert _task(task_id).submitted == {"reached": True, "satisfaction": "satisfied"}


def test_a_task_claimed_by_a_colleague_cannot_be_submitted(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    _post(sign_in("lead_a"), f"/tasks/{task_id}/claim", {}, page="/tasks")
    client = sign_in("handler_a")
    assert "认领人释放后才能办理" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    response = _post(client, f"/tasks/{task_id}", {"action": "accept"}, page="/tasks")
    assert response.status_code == 409
    assert "该任务已被他人认领" in response.get_data(as_text=True)


def test_a_completed_task_shows_what_was_submitted_and_refuses_a_second_submission(open_case, sign_in):
    case = open_case()
    task_id = case.task("sign_for").id
    case.do("sign_for", {"action": "accept", "note": "第一次提交"})
    client = sign_in("handler_a")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "已由 handler_a" in html and "第一次提交" in html and 'class="task-form"' not in html
    response = _post(client, f"/tasks/{task_id}", {"action": "accept"}, page="/tasks")
    assert response.status_code == 409 and "已办结" in response.get_data(as_text=True)


def test_a_handler_of_another_county_gets_403_and_an_unknown_task_404(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    other = sign_in("handler_b")
    response = other.get(f"/tasks/{task_id}")
    assert response.status_code == 403 and "不在您的管辖范围内" in response.get_data(as_text=True)
    assert _post(other, f"/tasks/{task_id}", {"action": "accept"}, page="/tasks").status_code == 403
    assert _task(task_id).state == TaskState.open
    missing = sign_in("handler_a").get("/tasks/999999")
    assert missing.status_code == 404 and "任务不存在" in missing.get_data(as_text=True)


def test_a_supervisor_in_scope_may_read_but_not_work_a_department_task(open_case, sign_in):
    task_id = open_case().task("sign_for").id
    client = sign_in("supervisor_a")
    assert "不能办理" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert _post(client, f"/tasks/{task_id}", {"action": "accept"}, page="/tasks").status_code == 403


# --- the schema → form → data conversions --------------------------------------------------------------

FEEDBACK = {"properties": {
    "text": {"title": "内容", "type": "string"},
    "ok": {"title": "确认", "type": "boolean"},
    "report": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
    "codes": {"type": "array", "x-format": "org-codes", "items": {"type": "string"}},
}}


def test_parsing_leaves_out_empty_optional_fields_and_builds_the_nested_object():
    assert form_view.parse(FEEDBACK, MultiDict({"text": "  ", "report.a": "", "report.b": ""})) == {}
    data = form_view.parse(FEEDBACK, MultiDict([("text", " 你好 "), ("ok", "true"), ("report.b", "x"),
                                                ("codes", "A"), ("codes__codes", "B、 C,A")]))
    assert data == {"text": "你好", "ok": True, "report": {"b": "x"}, "codes": ["A", "B", "C"]}


def test_local_times_become_instants_and_other_text_is_left_for_the_schema_to_judge():
    assert form_view.local_instant("2026-11-20T09:30") == "2026-11-20T09:30:00+08:00"
    assert form_view.local_instant("2026-11-20T09:30:15") == "2026-11-20T09:30:15+08:00"
    assert form_view.local_instant("yesterday") == "yesterday"


def test_errors_of_unknown_fields_are_kept_for_the_top_of_the_form():
    fields, leftover = form_view.describe(FEEDBACK, errors={"report.a": ["必填"], "codes.1": ["太长"],
                                                            "data": ["规则不满足"]})
    by_name = {f.name: f for f in fields}
    assert by_name["report"].children[0].errors == ["必填"]
    assert by_name["codes"].errors == ["太长"]
    assert leftover == ["规则不满足"]


def test_submitted_data_reads_with_titles_and_enum_labels():
    schema = {"properties": {"action": {"title": "处理方式", "enum": ["accept"], "x-enum-titles": ["接受"]},
                             "at": {"title": "时间", "type": "string", "format": "date-time"}}}
    rows = form_view.readable(schema, {"action": "accept", "at": "2026-11-20T01:30:00+00:00", "extra": True})
    assert [(r.label, r.text) for r in rows] == [("处理方式", "接受"), ("时间", "2026-11-20 09:30"), ("extra", "是")]
