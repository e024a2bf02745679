"""The dashboard, the printable monthly report and the public disclosure board."""
from __future__ import annotations

import json
import re

import pytest

from app.stats import snapshot
from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def signed_in(app, world):
    def make(username: str):
        client = app.test_client()
        token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        return client

    return make


def _kpi(html: str, code: str) -> str:
    match = re.search(rf'data-indicator="{code}">\s*<div class="label">[^<]*</div>\s*<div class="value">([^<]*)<',
                      html)
    return match.group(1)


def _no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_dashboard_shows_the_apis_numbers(signed_in, client, world, november):
    page = signed_in("supervisor_a").get("/stats/?org_code=A&month=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    api = client.get("/api/v1/stats/summary?org_code=A&month=2026-11", headers=world.headers("supervisor_a")).json
    values = {i["code"]: i for i in api["indicators"]}
    assert _kpi(html, "finished") == str(values["finished"]["value"]) == "11"
    assert _kpi(html, "participation_rate") == f"{values['participation_rate']['value'] * 100:.2f}%" == "72.73%"
    assert _kpi(html, "on_time_rectification_rate") == "33.33%"
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html,
                                re.S).group(1))
    assert data["trend"][-1]["month"] == "2026-11" and data["trend"][-1]["finished"] == 11
    assert [lv["count"] for lv in data["levels"]] == [2, 2, 1, 2, 1]
    assert 'href="/stats/?org_code=A-HR&amp;month=2026-11"' in html  # drill down
    assert "vendor/echarts/echarts.min.js" in html
    _no_inline_script(html)


def test_the_dashboard_keeps_to_the_callers_scope(signed_in, november):
    assert signed_in("handler_b").get("/stats/?org_code=A&month=2026-11").status_code == 403
    assert signed_in("policy_c").get("/stats/").status_code == 403


def test_the_monthly_report_page_prints_indicators_and_lists(signed_in, november):
    html = signed_in("auditor_c").get("/stats/reports/A/2026-11").get_data(as_text=True)
    assert "本月尚未结账" in html
    assert november.cases[6].case_no in html and "复杂差评整改台账" in html
    assert "@media print" in html
    response = signed_in("auditor_c").get("/stats/reports/A/2026-11.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_supervision_lead_closes_a_month_from_the_report_page(signed_in, world, november):
    lead = signed_in("sup_lead_a")
    html = lead.get("/stats/reports/A/2026-10").get_data(as_text=True)
    token = _TOKEN.search(html).group(1)
    response = lead.post("/stats/reports/A/2026-10/close", data={"csrf_token": token})
    assert response.status_code == 302
    assert snapshot.published(world.units["A"], "2026-10").version == 1
    assert "快照第 1 版" in lead.get("/stats/reports/A/2026-10").get_data(as_text=True)


def test_the_disclosure_board_publishes_closed_months_without_personal_data(app, world, november, clock):
    from app.db import db
    from tests.stats.conftest import local

    clock.set(local(2026, 12, 2, 9, 0))
    for code in ("A", "A-HR", "A-HALL"):
        snapshot.close(world.units[code], "2026-11", actor="test")
    db.session.commit()
    public = app.test_client()
    index = public.get("/public/disclosure").get_data(as_text=True)
    assert "/public/disclosure/A/2026-11" in index and "/public/disclosure/A-HALL/2026-11" in index
    page = public.get("/public/disclosure/A/2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _kpi(html, "finished") == "11"
    assert "甲县人社局" in html and "甲县政务服务大厅" in html  # per department and hall
    assert "增开窗口" in html  # the rectified bad reviews (5 and 11)
    for private in ("王小明", "13912345678", "139****5678", november.cases[5].case_no, "handler_a"):
        assert private not in html
    _no_inline_script(html)
    assert public.get("/public/disclosure/B/2026-11").status_code == 404


def _basis(html: str) -> str:
    match = re.search(r'<p class="basis muted" data-counting-basis>(.*?)</p>', html, re.S)
    assert match, "the page does not say how its period is counted"
    return match.group(1)


def test_every_page_with_a_rate_says_how_the_period_is_counted(app, signed_in, world, november, clock):
    from app.db import db
    from tests.stats.conftest import local

    supervisor = signed_in("supervisor_a")
    dashboard = supervisor.get("/stats/?org_code=A&month=2026-11").get_data(as_text=True)
    assert "按办结时间统计" in _basis(dashboard) and 'href="/stats/indicators"' in _basis(dashboard)
    report = supervisor.get("/stats/reports/A/2026-11").get_data(as_text=True)
    assert "不予采纳的评价" in _basis(report) and "仍计入办件量" in _basis(report)
    definitions = supervisor.get("/stats/indicators")
    assert definitions.status_code == 200
    html = definitions.get_data(as_text=True)
    assert "按办结时间统计" in _basis(html)
    assert re.search(r'data-indicator="on_time_rectification_rate"><td>按期整改率</td><td>比率</td>'
                     r"<td>每一轮整改都在该轮期限内完成", html)
    clock.set(local(2026, 12, 2, 9, 0))
    snapshot.close(world.units["A"], "2026-11", actor="test")
    db.session.commit()
    public = app.test_client().get("/public/disclosure/A/2026-11").get_data(as_text=True)
    assert "按办结时间统计" in _basis(public)


def _freshness(html: str) -> str:
    match = re.search(r'<p class="freshness muted" data-freshness>(.*?)</p>', html, re.S)
    assert match, "the page does not say how fresh its figures are"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_pages_show_the_figures_as_of_the_last_refresh_and_a_rebuild_in_progress(signed_in, november, clock):
    from app.db import db
    from app.stats.models import StatsRefreshState
    from tests.stats.conftest import local

    supervisor = signed_in("supervisor_a")
    shown = _freshness(supervisor.get("/stats/?org_code=A&month=2026-11").get_data(as_text=True))
    assert shown.startswith("汇总数据截至 2026年11月20日 10:00") and "重建" not in shown

    state = db.session.get(StatsRefreshState, 1)
    state.audit_seq = 0  # as after an upgrade that changes a counting rule
    db.session.commit()
    assert "等待重建" in _freshness(supervisor.get("/stats/?org_code=A&month=2026-11").get_data(as_text=True))

    state = db.session.get(StatsRefreshState, 1)  # the request ended the session that loaded it
    state.rebuild_started_at, state.rebuild_done, state.rebuild_total = local(2026, 11, 20, 9, 58), 12, 40
    db.session.commit()
    report = supervisor.get("/stats/reports/A/2026-11").get_data(as_text=True)
    assert "正在重建：已完成 12 / 40 天" in _freshness(report)
    assert "数据截至 2026年11月20日 10:00" in report
