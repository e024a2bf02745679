"""抽样回访 and 刷评预警 in the browser, adopting a suggestion and the notifications on the case page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import db
from app.notification import jobs as notification_jobs
from app.org import service as org_service
from app.org.models import OrgLevel
from app.outreach import fraud, sampling
from app.outreach import jobs as outreach_jobs
from app.outreach.models import FraudSignal, PointsEntry, ReturnVisitDraw, ReturnVisitSample
from app.user import service as user_service
from app.user.principal import Principal
from app.user.service import get_by_username
from tests.fixtures.world import PASSWORD
from tests.stats.conftest import Scenario, local
from tests.web.conftest import field_help, post_form


@pytest.fixture
def october(world) -> Scenario:
    """County A in October: two bad reviews with cases, five other ratings; one rating in county B."""
    s = Scenario(world)

    def add(no, level, org="A-HR", item="ITEM-HR-1", staff="handler_a", window="A-W1"):
        s.service_case(no, org, item, staff, local(2026, 10, 10 + no, 10, 0), window=window)
        s.evaluate(no, level, "window_device")
        return no

    for no, level in ((1, 2), (2, 1)):
        s.bad_case(add(no, level), received=local(2026, 10, 12, 10, 0))
    for no, level in ((3, 5), (4, 5), (5, 4), (6, 4), (7, 3)):
        add(no, level)
    add(8, 5, org="B-HR", item="ITEM-BHR-1", staff="handler_b", window=None)
    db.session.commit()
    return s


@pytest.fixture
def drawn(world, october) -> ReturnVisitDraw:
    record = sampling.draw(world.units["A-SUP"], "2026-10", actor="user:sup_lead_a", seed=42)
    db.session.commit()
    return record


@pytest.fixture
def signal(world) -> FraudSignal:
    """Three bad reviews of handler_a's services within four hours: a burst against one staff member."""
    s = Scenario(world)
    for n in range(3):
        moment = local(2026, 11, 19, 9, 0) + n * timedelta(hours=2)
        s.service_case(100 + n, "A-HR", "ITEM-HR-1", "handler_a", moment - timedelta(minutes=1), window="A-W1")
        s.evaluate(100 + n, 1, "qr_code", at=moment, reasons=["attitude"])
    db.session.commit()
    assert fraud.detect() == 1
    db.session.commit()
    return db.session.scalar(select(FraudSignal))


@pytest.fixture
def county_b_supervisor(world, sign_in):
    office = org_service.create(code="B-SUP", name="乙县监督科", level=OrgLevel.department, parent=world.units["B"],
                                supervises=world.units["B"])
    user_service.create(username="supervisor_b", display_name="乙县监督员", org_unit=office, roles=["supervisor"],
                        password=PASSWORD)
    db.session.commit()
    return sign_in("supervisor_b")


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _visit_path(sample_id: int) -> str:
    return f"/outreach/return-visits/visits/{sample_id}"


def _first_open_visit() -> ReturnVisitSample:
    return sampling.open_visits(Principal.for_user(get_by_username("supervisor_a")))[0]


# -- 抽样回访 --------------------------------------------------------------------------------------------

def test_the_draw_form_offers_last_month_and_explains_the_policy(october, sign_in):
    html = _page(sign_in("supervisor_a"), "/outreach/return-visits")
    assert re.search(r'<input type="month" id="f-month" name="month" value="2026-10"', html)
    assert '<label for="f-month" class="required">抽样月份</label>' in html
    for text in ("不少于 <strong>20%</strong>", "不少于 <strong>50</strong> 件", "各抽 <strong>8</strong> 件",
                 "江苏省", "甲县（甲县行政审批局监督科监督的机构）", "还没有抽样记录"):
        assert text in html, text


def test_a_supervisor_draws_a_month_and_sees_its_seed_and_samples(october, sign_in):
    supervisor = sign_in("supervisor_a")
    response = post_form(supervisor, "/outreach/return-visits", {"month": "2026-10"}, page="/outreach/return-visits")
    assert response.status_code == 302
    record = db.session.scalar(select(ReturnVisitDraw))
    assert response.headers["Location"].endswith(f"/outreach/return-visits/draws/{record.id}")
    assert (record.month, record.created_by, sum(record.counts.values())) == ("2026-10", "user:supervisor_a", 7)
    detail = _page(supervisor, f"/outreach/return-visits/draws/{record.id}")
    assert "已抽取 2026-10 的回访样本，共 7 件" in detail
    assert str(record.seed) in detail and "按种子重抽一致" in detail and "已回访 0 / 7" in detail
    assert re.search(r"<th scope=\"row\">差评整改回访</th><td>1</td>", detail)
    for evaluation_no in (3, 4, 5, 6, 7):  # every rating of A outside the bad reviews is sampled by level
        assert october.service_cases[evaluation_no].case_no in detail
    assert october.service_cases[8].case_no not in detail  # county B is not A's office's to sample
    listed = _page(supervisor, "/outreach/return-visits")
    assert str(record.seed) in listed and "共 7 件：差评整改回访 1" in listed and "supervisor_a" in listed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "return_visit.sample_drawn"))
    assert event.actor == "user:supervisor_a" and event.payload["seed"] == record.seed


def test_drawing_a_month_twice_shows_the_message_and_draws_nothing(drawn, sign_in):
    supervisor = sign_in("supervisor_a")
    response = post_form(supervisor, "/outreach/return-visits", {"month": "2026-10"}, page="/outreach/return-visits")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "无法抽取：甲县行政审批局监督科 2026-10 的回访抽样已抽取" in html
    assert db.session.scalar(select(func.count(ReturnVisitDraw.id))) == 1
    assert db.session.scalar(select(func.count(ReturnVisitSample.id))) == 7


@pytest.mark.parametrize(("month", "message"), [("2026-11", "2026-11 尚未结束，只能抽取已经结束的月份"),
                                                ("2026-13", "月份格式应为 年-月"), ("", "请选择要抽取的月份")])
def test_a_month_that_cannot_be_drawn_is_explained_next_to_the_field(october, sign_in, month, message):
    supervisor = sign_in("supervisor_a")
    response = post_form(supervisor, "/outreach/return-visits", {"month": month}, page="/outreach/return-visits")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_help(html, "f-month")
    assert f'name="month" value="{month}"' in html  # what was typed stays
    assert db.session.scalar(select(func.count(ReturnVisitDraw.id))) == 0


def test_the_worklist_masks_the_evaluator_and_the_visit_page_shows_the_phone_to_call(drawn, october, sign_in):
    supervisor = sign_in("supervisor_a")
    worklist = _page(supervisor, "/outreach/return-visits/open")
    assert "待回访（7）" in worklist
    assert "王**，139****5678" in worklist and "13912345678" not in worklist
    assert "社会保障卡申领" in worklist and "甲县人社局 / 1号窗口" in worklist
    visit = _first_open_visit()
    assert f'href="{_visit_path(visit.id)}"' in worklist
    html = _page(supervisor, _visit_path(visit.id))
    assert "王小明，电话 13912345678" in html  # a supervisor calls the evaluator back
    assert visit.evaluation.service_case.case_no in html and "记录回访结果" in html
    assert '<label class="option" for="f-reached-1">' in html
    assert '<label for="f-note" class="">回访记录</label>' in html


def test_recording_a_visit_stores_an_audited_result_and_takes_it_off_the_worklist(drawn, sign_in):
    supervisor = sign_in("supervisor_a")
    visit = _first_open_visit()
    response = post_form(supervisor, _visit_path(visit.id),
                         {"reached": "true", "satisfaction": "basically_satisfied", "rating_confirmed": "true",
                          "note": "电话回访，评价人表示基本满意"}, page=_visit_path(visit.id))
    assert response.status_code == 302 and response.headers["Location"].endswith("/outreach/return-visits/open")
    worklist = _page(supervisor, "/outreach/return-visits/open")
    assert "已记录办件" in worklist and "待回访（6）" in worklist and _visit_path(visit.id) not in worklist
    stored = db.session.get(ReturnVisitSample, visit.id, populate_existing=True)
    assert (stored.state, stored.completed_by) == ("completed", "user:supervisor_a")
    assert stored.result == {"reached": True, "satisfaction": "basically_satisfied", "rating_confirmed": True,
                             "note": "电话回访，评价人表示基本满意"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "return_visit.sample_completed"))
    assert event.payload["sample_id"] == visit.id and event.actor == "user:supervisor_a"
    html = _page(supervisor, _visit_path(visit.id))
    assert "基本满意" in html and "电话回访，评价人表示基本满意" in html and "记录回访结果" not in html
    again = post_form(supervisor, _visit_path(visit.id), {"reached": "false"}, page="/outreach/return-visits/open")
    assert again.status_code == 409 and "无法提交：该回访任务已完成" in again.get_data(as_text=True)


def test_a_reached_evaluator_without_an_answer_is_an_error_that_keeps_what_was_typed(drawn, sign_in):
    supervisor = sign_in("supervisor_a")
    visit = _first_open_visit()
    response = post_form(supervisor, _visit_path(visit.id), {"reached": "true", "note": "电话接通"},
                         page=_visit_path(visit.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "联系到评价人时须记录其满意程度" in field_help(html, "f-satisfaction")
    assert re.search(r'id="f-reached-1" name="reached"\s+value="true" checked', html)
    assert ">电话接通</textarea>" in html
    missing = post_form(supervisor, _visit_path(visit.id), {"note": "无人接听"}, page=_visit_path(visit.id))
    assert missing.status_code == 422
    assert "请选择是否联系到评价人" in field_help(missing.get_data(as_text=True), "f-reached")
    assert db.session.get(ReturnVisitSample, visit.id, populate_existing=True).state == "open"


def test_a_long_worklist_is_paginated(drawn, sign_in, monkeypatch):
    from app.outreach import pages

    monkeypatch.setattr(pages, "VISITS_PER_PAGE", 3)
    supervisor = sign_in("supervisor_a")
    html = _page(supervisor, "/outreach/return-visits/open")
    assert "第 1 / 3 页（共 7 条）" in html and len(re.findall(r'aria-label="回访办件', html)) == 3
    assert len(re.findall(r'aria-label="回访办件', _page(supervisor, "/outreach/return-visits/open?page=3"))) == 1


# -- 刷评预警 --------------------------------------------------------------------------------------------

def _review(client, signal_id: int, data: dict):
    form = {f"s{signal_id}.{key}": value for key, value in data.items()}
    return post_form(client, f"/outreach/fraud-signals/{signal_id}/review?status=open", form,
                     page="/outreach/fraud-signals")


def test_a_supervisor_sees_a_signal_with_its_evaluations_and_no_personal_data(signal, sign_in):
    html = _page(sign_in("supervisor_a"), "/outreach/fraud-signals")
    article = re.search(rf'<article class="card signal" id="signal-{signal.id}".*?</article>', html, re.S).group(0)
    for text in ("同一工作人员短时间内集中收到差评", "handler_a", "2026-11-19 09:00 至 2026-11-19 13:00", "3 条",
                 "待核查", "非常不满意", "二维码", "社会保障卡申领", "提交核查结论"):
        assert text in article, text
    assert len(re.findall(r"<td>非常不满意</td>", article)) == 3
    assert "13912345678" not in html and "139****" not in html and "王小明" not in html
    assert re.search(r'待核查\s*<span class="count">1</span>', html)


def test_confirming_a_signal_with_a_note_records_and_shows_the_review(signal, sign_in):
    supervisor = sign_in("supervisor_a")
    response = _review(supervisor, signal.id, {"status": "confirmed", "note": "经调取录像，系同一人恶意差评"})
    assert response.status_code == 302 and "status=open" in response.headers["Location"]
    html = _page(supervisor, response.headers["Location"])
    assert "：已确认" in html and "没有待核查的预警" in html
    confirmed = _page(supervisor, "/outreach/fraud-signals?status=confirmed")
    assert "经调取录像，系同一人恶意差评" in confirmed and "supervisor_a" in confirmed
    assert "提交核查结论" not in confirmed
    stored = db.session.get(FraudSignal, signal.id, populate_existing=True)
    assert (stored.status, stored.reviewed_by) == ("confirmed", "user:supervisor_a")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fraud.signal_reviewed"))
    assert event.payload == {"status": "confirmed", "note": "经调取录像，系同一人恶意差评"}


def test_a_review_without_a_note_shows_the_error_next_to_the_field(signal, sign_in):
    response = _review(sign_in("supervisor_a"), signal.id, {"status": "dismissed", "note": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写核查说明" in field_help(html, f"f-s{signal.id}-note")
    assert re.search(rf'name="s{signal.id}.status"\s+value="dismissed" checked', html)
    assert db.session.get(FraudSignal, signal.id, populate_existing=True).status == "open"


def test_reviewing_a_reviewed_signal_shows_the_services_message(signal, sign_in):
    fraud.review(signal.id, status="dismissed", note="真实差评", principal=Principal.for_user(
        get_by_username("sup_lead_a")))
    db.session.commit()
    response = _review(sign_in("supervisor_a"), signal.id, {"status": "confirmed", "note": "再次核查"})
    assert response.status_code == 409 and "无法提交：该预警已处理" in response.get_data(as_text=True)
    assert db.session.get(FraudSignal, signal.id, populate_existing=True).note == "真实差评"


def test_an_auditor_reads_the_signals_without_a_form_and_may_not_review(signal, sign_in):
    auditor = sign_in("auditor_c")
    html = _page(auditor, "/outreach/fraud-signals")
    assert "同一工作人员短时间内集中收到差评" in html and "提交核查结论" not in html
    assert 'aria-label="核查预警' not in html
    assert re.search(r'href="/outreach/fraud-signals"[^>]*>刷评预警</a>', html) and "抽样回访" not in html
    response = _review(auditor, signal.id, {"status": "confirmed", "note": "审计认为属实"})
    assert response.status_code == 403
    assert db.session.get(FraudSignal, signal.id, populate_existing=True).status == "open"


# -- who may see what ------------------------------------------------------------------------------------

def test_a_handler_may_open_none_of_these_pages(drawn, signal, sign_in):
    handler = sign_in("handler_a")
    visit = _first_open_visit()
    for path in ("/outreach/return-visits", "/outreach/return-visits/open", _visit_path(visit.id),
                 f"/outreach/return-visits/draws/{drawn.id}", "/outreach/fraud-signals"):
        response = handler.get(path)
        assert response.status_code == 403, path
        assert "无权访问" in response.get_data(as_text=True)
    home = handler.get("/tasks").get_data(as_text=True)
    assert "抽样回访" not in home and "刷评预警" not in home


def test_another_countys_supervision_office_sees_neither_the_draw_nor_the_signal(drawn, signal, county_b_supervisor):
    client = county_b_supervisor
    listed = _page(client, "/outreach/return-visits")
    assert str(drawn.seed) not in listed and "还没有抽样记录" in listed and "乙县（乙县监督科监督的机构）" in listed
    assert "待回访 <span class=\"count\">0</span>" in listed
    assert client.get(f"/outreach/return-visits/draws/{drawn.id}").status_code == 403
    assert client.get(_visit_path(_first_open_visit().id)).status_code == 403
    signals = _page(client, "/outreach/fraud-signals")
    assert f'id="signal-{signal.id}"' not in signals and "没有待核查的预警" in signals
    assert _review(client, signal.id, {"status": "confirmed", "note": "越权"}).status_code == 403


# -- the case page: adopting a suggestion, notifications -----------------------------------------------------

def test_a_supervisor_adopts_the_evaluators_suggestion_on_the_case_page(open_case, sign_in):
    case = open_case()
    case.case.evaluation.service_case.applicant_phone_hash = "evaluator-1"
    db.session.commit()
    path = f"/cases/{case.case_id}"
    assert "采纳建议并记积分" not in _page(sign_in("handler_a"), path)
    supervisor = sign_in("supervisor_a")
    assert "采纳建议并记积分" in _page(supervisor, path)
    empty = post_form(supervisor, f"{path}/suggestion", {"note": ""}, page=path)
    assert empty.status_code == 422 and "请填写采纳说明" in field_help(empty.get_data(as_text=True),
                                                                   "f-suggestion-note")
    response = post_form(supervisor, f"{path}/suggestion", {"note": "采纳：高峰时段增开窗口"}, page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    html = _page(supervisor, path)
    assert "已采纳评价人的建议，记 20 积分" in html and "已采纳" in html and "采纳：高峰时段增开窗口" in html
    assert "采纳建议并记积分" not in html
    entry = db.session.scalar(select(PointsEntry))
    assert (entry.evaluator_key, entry.points, entry.kind) == ("evaluator-1", 20, "suggestion_adopted")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "points.awarded")) is not None
    assert sign_in("handler_a").post(f"{path}/suggestion", data={"note": "x"}).status_code in (400, 403)


def test_a_suggestion_cannot_be_adopted_twice(open_case, sign_in):
    case = open_case()
    case.case.evaluation.service_case.applicant_phone_hash = "evaluator-2"
    db.session.commit()
    path = f"/cases/{case.case_id}"
    supervisor = sign_in("supervisor_a")
    page = post_form(supervisor, f"{path}/suggestion", {"note": "第一次"}, page=path)
    assert page.status_code == 302
    # a second tab still showing the form
    form = {"note": "第二次", "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                    _page(supervisor, path)).group(1)}
    again = supervisor.post(f"{path}/suggestion", data=form)
    assert again.status_code == 409 and "该建议已记过积分" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PointsEntry.id))) == 1


def test_the_case_page_shows_the_reminders_sent_about_its_service_case(make_service_case, clock, sign_in):
    from app.evaluation import service as evaluation_service

    service_case = make_service_case(finished_ago=timedelta(hours=25))
    assert outreach_jobs.send_evaluation_reminders() == 1
    assert notification_jobs.deliver_notifications()["sent"] == 1
    evaluation = evaluation_service.create(
        {"service_case_no": service_case.case_no, "level": 2, "channel": "sms", "real_name": True,
         "comment": "等太久", "reasons": ["efficiency"], "evaluated_at": clock.now()},
        principal=Principal.for_user(get_by_username("client_c")))
    db.session.commit()
    path = f"/cases/{evaluation.bad_review_case.id}"
    html = _page(sign_in("auditor_c"), path)
    section = re.search(r'<h2 id="notifications-title">.*?</section>', html, re.S).group(0)
    for text in ("催评提醒", "短信", "139****5678", "已发送", "<td>1</td>"):
        assert text in section, text
    assert "13912345678" not in html
    handler_view = _page(sign_in("handler_a"), path)
    handler_section = re.search(r'<h2 id="notifications-title">.*?</section>', handler_view, re.S).group(0)
    assert "139****5678" in handler_section and "13912345678" not in handler_section
