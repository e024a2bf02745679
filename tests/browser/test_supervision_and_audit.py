"""The supervision office decides an appeal from its queue; an auditor searches, reads a history and exports it."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

from sqlalchemy import select

from app.audit.jobs import seal_pending_events
from app.clock import now
from app.db import db
from app.evaluation import service as evaluation_service
from app.org import service as org_service
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.task import commands
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal
from app.user.service import get_by_username
from tests.fixtures.browser import screenshot, sign_in

_numbers = itertools.count(1)


def _appealed_case(app, reason: str, evidence: str) -> tuple[int, str]:
    """A bad review of 甲县人社局 that the department appealed; returns (case id, case number)."""
    with app.app_context():
        finished = now() - timedelta(hours=2)
        service_case = ServiceCase(
            case_no=f"SC-SUPV-{next(_numbers):03d}", item=service_case_service.find_item("ITEM-HR-1"),
            org_unit=org_service.find_by_code("A-HR"), window=org_service.find_by_code("A-W1"), channel="window",
            applicant_kind="natural_person", applicant_name="王小明", applicant_phone="13912345678",
            applicant_cert_no="320102199001011234", accepted_at=finished - timedelta(days=1), finished_at=finished,
            created_at=now())
        db.session.add(service_case)
        db.session.commit()
        evaluation = evaluation_service.create(
            {"service_case_no": service_case.case_no, "level": 1, "channel": "window_device", "real_name": True,
             "comment": "窗口人员态度生硬", "reasons": ["attitude"], "evaluated_at": now() - timedelta(minutes=30)},
            principal=Principal.for_user(get_by_username("client_c")))
        db.session.commit()
        case = evaluation.bad_review_case
        sign_for = db.session.scalar(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.bpmn_id == "sign_for",
                                                            CaseTask.state == TaskState.open))
        commands.complete_task(sign_for.id, {"action": "appeal", "appeal_reason": reason, "evidence": evidence},
                                principal=Principal.for_user(get_by_username("handler_a")))
        db.session.commit()
        seal_pending_events()  # as the sealing job of a running service does within seconds
        found = (case.id, case.case_no)
        db.session.remove()
    return found


def test_a_supervisor_sees_an_appeal_beside_the_evaluation_and_opens_it(page, live):
    _, app, _ = live
    _, case_no = _appealed_case(app, "评价人对收费标准有误解", "收费公示照片、办件材料编号 A-2026-118")
    sign_in(page, "supervisor_a")
    page.get_by_role("link", name="审核队列").click()
    page.wait_for_load_state()
    tab = page.get_by_role("navigation", name="审核队列").get_by_role("link", name=re.compile("^申诉审核"))
    assert tab.get_attribute("aria-current") == "page"
    item = page.locator("article.queue-item", has_text=case_no)
    material, evaluation = item.locator("section.material"), item.locator("section.evaluation")
    assert "评价人对收费标准有误解" in material.inner_text()
    assert "A-2026-118" in material.inner_text()
    assert "窗口人员态度生硬" in evaluation.inner_text() and "非常不满意" in evaluation.inner_text()
    left, right = material.bounding_box(), evaluation.bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 5  # side by side
    screenshot(page, "supervision-queue-appeal")
    item.get_by_role("link", name="办理申诉审核").click()
    page.wait_for_load_state()
    assert re.search(r"/(tasks|cases)/\d+$", page.url)
    assert case_no in page.content()
    screenshot(page, "supervision-appeal-task")


def test_a_supervisor_sees_the_overdue_board(page, live):
    sign_in(page, "supervisor_a")
    page.get_by_role("link", name="督办看板").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="督办看板", level=1).is_visible()
    screenshot(page, "supervision-overdue-board")


def test_an_auditor_searches_reads_the_history_and_downloads_the_csv(page, live):
    _, app, _ = live
    case_id, case_no = _appealed_case(app, "系统故障导致超时", "系统日志截图")
    sign_in(page, "auditor_c")
    assert page.url.endswith("/audit")
    page.get_by_label("工单编号 / 办件编号").fill(case_no)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    cases = page.locator("table.cases tbody tr")
    assert cases.count() == 1 and case_no in cases.first.inner_text()
    screenshot(page, "audit-search")

    with page.expect_download() as info:
        page.get_by_role("link", name="导出 CSV").click()
    content = open(info.value.path(), "rb").read()  # noqa: SIM115 - read once, Playwright owns the file
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("工单编号,办件编号,责任部门") and len(lines) == 2 and case_no in lines[1]

    page.get_by_role("link", name=case_no).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/audit/cases/{case_id}")
    assert "已校验，完整" in page.get_by_role("status").first.inner_text()
    history = page.locator("table.history tbody tr")
    seqs = [int(s) for s in history.locator("td:first-child").all_inner_texts()]
    assert seqs == sorted(seqs) and len(seqs) >= 6
    assert "系统故障导致超时" in page.locator("table.history").inner_text()
    assert "139****5678" in page.content() and "13912345678" not in page.content()
    screenshot(page, "audit-case-history")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打印版").click()
    printable = opened.value
    printable.wait_for_load_state()
    printable.emulate_media(media="print")
    assert printable.locator(".no-print").first.is_hidden()
    assert case_no in printable.content()
    screenshot(printable, "audit-case-history-print")
