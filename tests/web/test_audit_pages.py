"""审计查询: scoped search, CSV and printable lists, and a case's full history with the audit chain's state."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.db import db
from app.user import service as user_service
from tests.fixtures.audit import bypass_guards, seal
from tests.fixtures.lifecycle import local
from tests.fixtures.world import PASSWORD


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _section(html: str, heading_id: str) -> str:
    """The result rows of one table (cases or evaluations)."""
    return html.split(f'id="{heading_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.fixture
def two_counties(open_case):
    """One case in 甲县 (A-HR) and one in 乙县 (B-HR)."""
    a = open_case(at=local(2026, 11, 18, 9, 0))
    b = open_case(at=local(2026, 11, 19, 9, 0), org="B-HR", item="ITEM-BHR-1", level=2)
    return a.case.case_no, b.case.case_no


@pytest.fixture
def auditor_a(world):
    """An auditor placed in 甲县: sees county A only."""
    user_service.create(username="auditor_a", display_name="甲县审计", org_unit=world.units["A"], roles=["auditor"],
                        password=PASSWORD)
    db.session.commit()
    return "auditor_a"


def test_the_city_auditor_finds_cases_in_both_counties(two_counties, sign_in):
    html = _page(sign_in("auditor_c"), "/audit")
    cases = _section(html, "h-cases")
    assert all(no in cases for no in two_counties)
    assert "差评工单（2）" in html
    assert "评价（2）" in html


def test_a_county_auditor_finds_only_the_cases_in_the_county(two_counties, auditor_a, sign_in):
    client = sign_in(auditor_a)
    html = _page(client, "/audit")
    a_case, b_case = two_counties
    assert a_case in html and b_case not in html
    assert 'value="B-HR"' not in html  # the department choice is limited to the scope too
    assert "该机构不在您的管辖范围内" in client.get("/audit?org_code=B-HR").get_data(as_text=True)
    found = _page(client, f"/audit?q={b_case}")
    assert b_case not in _section(found, "h-cases") and "没有符合条件的差评工单" in found
    b_id = db.session.scalar(select(BadReviewCase.id).where(BadReviewCase.case_no == b_case))
    assert client.get(f"/audit/cases/{b_id}").status_code == 403


def test_the_search_filters_by_number_department_level_status_and_period(two_counties, sign_in):
    client = sign_in("auditor_c")
    a_case, b_case = two_counties
    only = [("q=" + a_case, a_case), ("org_code=B-HR", b_case), ("level=2", b_case),
            ("received_from=2026-11-19", b_case), ("received_to=2026-11-18", a_case),
            ("evaluated_to=2026-11-18", a_case)]
    for query, expected in only:
        cases = _section(_page(client, f"/audit?{query}"), "h-cases")
        other = b_case if expected == a_case else a_case
        assert expected in cases and other not in cases, query
    assert "没有符合条件的差评工单" in _page(client, "/audit?status=closed")


def test_both_result_tables_page_on_their_own(two_counties, sign_in, monkeypatch):
    from app.audit import pages

    monkeypatch.setattr(pages, "PER_PAGE", 1)
    client = sign_in("auditor_c")
    html = _page(client, "/audit?epage=2")
    newest, oldest = two_counties[1], two_counties[0]
    assert newest in _section(html, "h-cases") and oldest not in _section(html, "h-cases")
    assert "SC-00001" in _section(html, "h-evaluations")  # the second evaluation, newest first
    html = _page(client, "/audit?page=2&epage=2")
    assert oldest in _section(html, "h-cases")
    csv_link = re.search(r'href="(/audit/cases\.csv[^"]*)"', html).group(1)
    assert "page" not in csv_link  # the export takes the whole selection, not the page shown


def test_a_service_case_number_finds_its_case_and_its_evaluation(two_counties, sign_in):
    html = _page(sign_in("auditor_c"), "/audit?q=SC-00002")
    assert two_counties[1] in _section(html, "h-cases")
    assert "SC-00002" in _section(html, "h-evaluations")


def test_a_bad_date_is_reported_on_its_field(sign_in, world):
    html = _page(sign_in("auditor_c"),
                 "/audit?received_from=2026-13-01&evaluated_from=2026-11-10&evaluated_to=2026-11-01")
    assert "日期格式应为 YYYY-MM-DD" in html and "结束日期早于开始日期" in html
    assert 'id="h-cases"' not in html


def test_evaluators_are_masked_for_auditors(two_counties, sign_in):
    evaluations = _section(_page(sign_in("auditor_c"), "/audit"), "h-evaluations")
    assert "13912345678" not in evaluations and "王小明" not in evaluations


def test_the_csv_has_a_bom_a_header_and_one_line_per_case(two_counties, sign_in):
    response = sign_in("auditor_c").get("/audit/cases.csv?level=&status=")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["工单编号", "办件编号", "责任部门"]
    assert sorted(r[0] for r in rows[1:]) == sorted(two_counties)
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no[two_counties[1]][2] == "乙县人社局" and by_no[two_counties[1]][5] == "不满意"


def test_the_csv_follows_the_filters_and_the_scope(two_counties, auditor_a, sign_in):
    rows = list(csv.reader(io.StringIO(sign_in(auditor_a).get("/audit/cases.csv").get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [two_counties[0]]
    rows = list(csv.reader(io.StringIO(
        sign_in("auditor_c").get("/audit/cases.csv?org_code=B-HR").get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [two_counties[1]]


def test_the_printable_list_has_a_print_stylesheet_and_the_criteria(two_counties, sign_in):
    html = _page(sign_in("auditor_c"), "/audit/cases/print?org_code=A-HR")
    assert "@media print" in html and 'class="topbar"' not in html
    assert two_counties[0] in html and two_counties[1] not in html
    assert "机构 A-HR" in html


def _history(client, case_id: int) -> str:
    return _page(client, f"/audit/cases/{case_id}")


def test_the_history_lists_every_event_in_order_and_says_the_chain_is_intact(open_case, sign_in):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "appeal", "appeal_reason": "评价人误操作", "evidence": "监控录像"})
    client = sign_in("auditor_c")
    waiting = _history(client, case.case_id)  # written, not yet sealed into the chain
    assert "条记录待封存，封存后纳入校验" in waiting and '<td class="muted">待封存</td>' in waiting
    assert waiting.index("收到评价") < waiting.index("办结任务：签收响应")
    seal()
    html = _history(client, case.case_id)
    assert "已校验，完整" in html and "待封存" not in html
    seqs = [int(s) for s in re.findall(r'<tr class="[^"]*" id="seq-(\d+)"', html)]
    assert seqs == sorted(seqs) and len(seqs) >= 6
    for words in ("收到评价", "生成差评工单", "启动处理流程", "办结任务：签收响应", "user:handler_a",
                  "<dt>提交内容 / 处理方式</dt><dd>申诉</dd>", "<dt>提交内容 / 申诉理由</dt><dd>评价人误操作</dd>",
                  "<dt>评价渠道</dt><dd>窗口评价器</dd>", "bad_review 第 1 版"):
        assert words in html, words
    assert html.index("收到评价") < html.index("办结任务：签收响应")
    assert "13912345678" not in html and "139****5678" in html  # the auditor sees the evaluator masked


def test_a_tampered_audit_row_is_reported_as_the_broken_link_of_this_case(open_case, sign_in, is_postgres):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    other = open_case(at=local(2026, 11, 20, 9, 30))
    seal()
    seq = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.subject_type == "case",
                                                         AuditEvent.subject_id == str(case.case_id),
                                                         AuditEvent.action == "case.opened"))
    bypass_guards(is_postgres)  # on PostgreSQL: someone who can switch the append-only trigger off
    db.session.execute(text("UPDATE audit_event SET actor = 'x' WHERE seq = :s"), {"s": seq})
    db.session.commit()
    client = sign_in("auditor_c")
    html = _history(client, case.case_id)
    assert "审计链断裂" in html and f"序号 <strong>{seq}</strong>" in html
    assert "记录内容与其哈希不符" in html and "该断裂涉及本工单的记录" in html
    assert re.search(rf'<tr class="broken" id="seq-{seq}"', html)
    elsewhere = _history(client, other.case_id)
    assert "审计链断裂" in elsewhere and "该断裂不在本工单的记录中" in elsewhere


def test_the_history_exports_as_csv_and_prints(open_case, sign_in):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    client = sign_in("auditor_c")
    waiting = list(csv.reader(io.StringIO(client.get(f"/audit/cases/{case.case_id}.csv").get_data()
                                          .decode("utf-8-sig"))))
    assert {(r[0], r[6]) for r in waiting[1:]} == {("待封存", "")} and waiting[1][3] == "收到评价"
    seal()
    response = client.get(f"/audit/cases/{case.case_id}.csv")
    assert response.status_code == 200 and response.get_data().startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["序号", "时间", "操作人", "操作", "对象", "内容", "哈希"]
    assert [int(r[0]) for r in rows[1:]] == sorted(int(r[0]) for r in rows[1:])
    assert rows[1][3] == "收到评价"
    printable = _page(client, f"/audit/cases/{case.case_id}/print")
    assert "@media print" in printable and "已校验，完整" in printable and case.case.case_no in printable


def test_an_unknown_case_is_not_found(sign_in, world):
    assert sign_in("auditor_c").get("/audit/cases/999999").status_code == 404


@pytest.mark.parametrize("path", ["/audit", "/audit/cases.csv", "/audit/cases/print", "/audit/cases/1",
                                  "/audit/cases/1.csv", "/audit/cases/1/print"])
def test_a_department_handler_may_not_open_the_audit_pages(sign_in, path):
    response = sign_in("handler_a").get(path)
    assert response.status_code == 403


def test_a_supervisor_may_not_open_the_audit_pages_either(sign_in):
    assert sign_in("supervisor_a").get("/audit").status_code == 403


def test_an_auditor_lands_on_the_audit_search(sign_in):
    response = sign_in("auditor_c").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/audit")
