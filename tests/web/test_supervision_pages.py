"""审核队列 and 督办看板: what the supervision office decides on, side by side with the evaluation."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.lifecycle import local


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _item(html: str, case_no: str) -> str:
    """The queue item (article) of one case."""
    found = [a for a in re.findall(r'<article class="card queue-item.*?</article>', html, re.S) if case_no in a]
    assert found, f"{case_no} is not in the queue"
    return found[0]


def _appealed(open_case, reason="评价人误操作", evidence="监控录像显示正常办结"):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "appeal", "appeal_reason": reason, "evidence": evidence})
    return case


def test_an_appeal_shows_the_reason_and_evidence_beside_the_evaluation(open_case, sign_in):
    case = _appealed(open_case)
    html = _page(sign_in("supervisor_a"), "/supervision/queues?queue=appeal_review")
    item = _item(html, case.case.case_no)
    material, evaluation = item.split('aria-label="评价"', 1)
    assert "评价人误操作" in material and "监控录像显示正常办结" in material
    assert "handler_a" in material  # who appealed
    assert "非常不满意" in evaluation and "办事等待时间太长" in evaluation and "办事效率" in evaluation
    assert "窗口评价器" in evaluation
    assert "甲县人社局" in item
    task_id = case.task("appeal_review").id
    assert f'href="/tasks/{task_id}"' in item or "/cases/" in item


def test_the_queue_tabs_count_the_open_items(open_case, sign_in):
    _appealed(open_case)
    html = _page(sign_in("supervisor_a"), "/supervision/queues")
    assert re.search(r'申诉审核\s*<span class="count">1</span>', html)
    assert re.search(r'延期审批\s*<span class="count">0</span>', html)
    assert re.search(r'aria-current="page">\s*申诉审核', html)  # opens on the first queue that has work


def test_the_appeal_recheck_is_only_for_the_supervision_lead(open_case, sign_in):
    case = _appealed(open_case, reason="不属实", evidence="材料")
    case.do("appeal_review", {"decision": "rejected", "reason": "证据不足"})
    case.do("sign_for", {"action": "appeal", "appeal_reason": "补充证据", "evidence": "新的通话录音"})
    supervisor = sign_in("supervisor_a")
    assert "申诉复核" not in _page(supervisor, "/supervision/queues")
    assert supervisor.get("/supervision/queues?queue=appeal_recheck").status_code == 403
    html = _page(sign_in("sup_lead_a"), "/supervision/queues?queue=appeal_recheck")
    item = _item(html, case.case.case_no)
    assert "补充证据" in item and "新的通话录音" in item
    assert "首次审核结论" in item and "申诉不成立" in item and "证据不足" in item


def test_a_long_queue_is_paginated_most_urgent_first(open_case, sign_in, monkeypatch):
    from app.supervision import pages

    monkeypatch.setattr(pages, "PER_PAGE", 1)
    first = _appealed(open_case, reason="第一件申诉")
    second = open_case(at=local(2026, 11, 20, 11, 0))
    second.do("sign_for", {"action": "appeal", "appeal_reason": "第二件申诉", "evidence": "-"})
    supervisor = sign_in("supervisor_a")
    html = _page(supervisor, "/supervision/queues?queue=appeal_review")
    assert "第一件申诉" in html and "第二件申诉" not in html and "第 1 / 2 页" in html
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "queue=appeal_review" in next_url and "page=2" in next_url
    assert "第二件申诉" in _page(supervisor, next_url)
    assert first.case.case_no != second.case.case_no


def test_an_unknown_queue_is_not_found(sign_in):
    assert sign_in("supervisor_a").get("/supervision/queues?queue=nothing").status_code == 404


def test_an_invalid_review_confirmation_shows_the_verification(open_case, sign_in):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "mistaken", "contact_method": "phone", "note": "评价人表示点错"})
    item = _item(_page(sign_in("supervisor_a"), "/supervision/queues?queue=confirm_invalid"), case.case.case_no)
    assert "误评" in item and "评价人表示点错" in item and "电话" in item


def test_an_extension_request_shows_the_new_deadline_and_whether_the_evaluator_was_told(open_case, clock, sign_in):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", {"measures": "需采购设备", "action": "request_extension", "new_deadline": "2026-11-30",
                        "extension_reason": "设备到货需时", "evaluator_informed": True})
    item = _item(_page(sign_in("supervisor_a"), "/supervision/queues?queue=approve_extension"), case.case.case_no)
    assert "2026-11-30" in item and "设备到货需时" in item
    assert re.search(r"已告知评价人</dt><dd[^>]*>是", item)
    assert "原整改期限：2026-11-24 00:00" in item


def test_a_return_visit_shows_the_feedback_and_that_the_evaluator_has_not_replied(open_case, sign_in):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强培训", "result": "已整改", "action": "done"})
    case.do("feedback", {"feedback_text": "已电话告知整改情况", "feedback_channel": "phone",
                         "report": {"findings": "属实", "measures": "增开窗口", "result": "已完成",
                                    "responsible_person": "李科长"}})
    item = _item(_page(sign_in("supervisor_a"), "/supervision/queues?queue=return_visit"), case.case.case_no)
    assert "已电话告知整改情况" in item and "增开窗口" in item
    assert "暂无评价人回复" in item


def test_the_queue_lists_only_cases_in_scope(open_case, sign_in):
    case = open_case(at=local(2026, 11, 20, 9, 0), org="B-HR", item="ITEM-BHR-1")
    response = case.client.post(f"/api/v1/tasks/{case.task('sign_for').id}/complete",
                                json={"data": {"action": "appeal", "appeal_reason": "乙县申诉", "evidence": "-"}},
                                headers=case.world.headers("handler_b"))
    assert response.status_code == 200, response.json
    html = _page(sign_in("supervisor_a"), "/supervision/queues?queue=appeal_review")
    assert case.case.case_no not in html and "乙县申诉" not in html


def test_the_overdue_board_groups_late_tasks_by_department_with_the_supervision_order(app, open_case, sign_in):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")  # rectification due at the end of Monday 23 November
    case.tick(app, local(2026, 11, 25, 9, 0))  # Wednesday: two working days late, the supervision order opens
    supervisor = sign_in("supervisor_a")
    html = _page(supervisor, "/supervision/overdue")
    summary = html.split('class="board-summary"', 1)[1].split("</table>", 1)[0]
    assert "甲县人社局" in summary
    group = html.split('id="org-A-HR"', 1)[1].split("</section>", 1)[0]
    assert case.case.case_no in group and "整改落实" in group
    assert "逾期 2 个工作日" in group
    assert "待下达" in group  # the order the timer opened, not yet issued
    case.do("supervise", {"instruction": "请于明日下班前完成整改"})
    group = _page(supervisor, "/supervision/overdue").split('id="org-A-HR"', 1)[1].split("</section>", 1)[0]
    assert "请于明日下班前完成整改" in group and "supervisor_a" in group


def test_a_task_due_tomorrow_is_on_the_board_and_one_due_later_is_not(open_case, clock, sign_in):
    soon = open_case(at=local(2026, 11, 19, 9, 0))  # sign-for due at the end of Friday 20 November
    later = open_case(at=local(2026, 11, 20, 9, 0))  # due at the end of Monday 23 November
    clock.set(local(2026, 11, 20, 10, 0))
    html = _page(sign_in("supervisor_a"), "/supervision/overdue")
    assert soon.case.case_no in html and "今日到期" in html
    assert later.case.case_no in html  # Monday is one working day away
    clock.set(local(2026, 11, 19, 10, 0))
    html = _page(sign_in("supervisor_a"), "/supervision/overdue")
    assert later.case.case_no not in html


def test_an_empty_board_says_so(sign_in):
    assert "没有逾期或即将到期的任务" in _page(sign_in("supervisor_a"), "/supervision/overdue")


@pytest.mark.parametrize("path", ["/supervision/queues", "/supervision/overdue"])
def test_a_department_handler_may_not_open_the_supervision_pages(sign_in, path):
    response = sign_in("handler_a").get(path)
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_the_supervision_pages_need_a_sign_in(client, world):
    response = client.get("/supervision/queues")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_navigation_offers_the_supervision_pages_to_supervisors_only(sign_in):
    assert "督办看板" in _page(sign_in("supervisor_a"), "/supervision/queues")
    home = sign_in("handler_a").get("/", follow_redirects=True).get_data(as_text=True)
    assert "审核队列" not in home and "督办看板" not in home
