"""Closing a month freezes its figures with a hash; corrections are new audited versions; the XLSX reports
carry the same numbers as the API."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.db import db
from app.stats.models import StatsSnapshot
from tests.stats.conftest import local


def _close(client, world, org="A", month="2026-10", who="sup_lead_a"):
    return client.post("/api/v1/stats/snapshots", json={"org_code": org, "month": month},
                       headers=world.headers(who))


def _finished(figures: dict) -> int:
    return {i["code"]: i["value"] for i in figures["indicators"]}["finished"]


def test_closing_a_month_freezes_its_figures_with_a_verifiable_hash(client, world, november):
    response = _close(client, world)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["version"], body["verified"], len(body["sha256"])) == (1, True, 64)
    assert _finished(body["figures"]) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stats.month_closed"))
    assert event.payload["sha256"] == body["sha256"]


def test_a_month_is_closed_once_and_only_after_it_ended(client, world, november, clock):
    assert _close(client, world).status_code == 201
    assert _close(client, world).status_code == 409
    assert _close(client, world, month="2026-11").status_code == 422
    clock.set(local(2026, 12, 1, 9, 0))
    assert _close(client, world, month="2026-11").status_code == 201


def test_only_the_supervision_lead_closes_a_month(client, world, november):
    assert _close(client, world, who="supervisor_a").status_code == 403
    assert _close(client, world, org="B").status_code == 403


def test_later_data_does_not_change_a_closed_month_until_a_correction(client, world, november):
    assert _close(client, world).status_code == 201
    november.service_case(99, "A-HR", "ITEM-HR-1", "handler_a", local(2026, 10, 30, 9, 0), window="A-W1")
    db.session.commit()
    from app.stats import refresh

    refresh.run_to_completion(db.session.commit, full=True)
    db.session.commit()
    live = client.get("/api/v1/stats/summary?month=2026-10&org_code=A", headers=world.headers("auditor_c")).json
    assert {i["code"]: i["value"] for i in live["indicators"]}["finished"] == 2
    listed = client.get("/api/v1/stats/snapshots?org_code=A&month=2026-10", headers=world.headers("auditor_c")).json
    assert [(s["version"], _finished(s["figures"])) for s in listed] == [(1, 1)]

    snapshot_id = listed[0]["id"]
    missing = client.post(f"/api/v1/stats/snapshots/{snapshot_id}/corrections", json={"reason": " "},
                          headers=world.headers("sup_lead_a"))
    assert missing.status_code == 422
    corrected = client.post(f"/api/v1/stats/snapshots/{snapshot_id}/corrections",
                            json={"reason": "补录 10 月 30 日办件"}, headers=world.headers("sup_lead_a"))
    assert corrected.status_code == 201, corrected.json
    assert (corrected.json["version"], _finished(corrected.json["figures"])) == (2, 2)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stats.snapshot_corrected"))
    assert event.payload["changed"]["finished"] == {"from": 1, "to": 2}
    assert event.payload["previous_sha256"] == listed[0]["sha256"]
    versions = client.get("/api/v1/stats/snapshots?org_code=A&month=2026-10", headers=world.headers("auditor_c")).json
    assert [s["version"] for s in versions] == [1, 2]


def test_an_edited_snapshot_no_longer_verifies(client, world, november):
    snapshot_id = _close(client, world).json["id"]
    figures = dict(db.session.get(StatsSnapshot, snapshot_id).figures, month="2026-09")
    db.session.execute(update(StatsSnapshot).where(StatsSnapshot.id == snapshot_id).values(figures=figures))
    db.session.commit()
    response = client.get(f"/api/v1/stats/snapshots/{snapshot_id}", headers=world.headers("auditor_c"))
    assert response.json["verified"] is False


def _workbook(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(BytesIO(response.data))


def test_the_monthly_workbook_holds_indicators_ledger_and_list(client, world, november):
    book = _workbook(client.get("/api/v1/stats/reports/A/2026-11.xlsx", headers=world.headers("auditor_c")))
    assert book.sheetnames == ["指标", "分单位", "差评热点", "复杂差评整改台账", "差评整改清单", "指标口径"]
    indicators = {row[0]: row[1] for row in book["指标"].iter_rows(values_only=True) if row and row[0]}
    assert indicators["办件量"] == 11
    assert indicators["参评率"] == round(8 / 11, 4)
    assert indicators["按期整改率"] == round(1 / 3, 4)
    assert indicators["不予采纳评价数"] == 1
    ledger = list(book["复杂差评整改台账"].iter_rows(values_only=True))
    assert len(ledger) == 2 and ledger[1][7] == "复杂"  # header + case 6
    rectifications = list(book["差评整改清单"].iter_rows(values_only=True))[1:]
    assert sorted(r[0] for r in rectifications) == sorted(november.cases[n].case_no for n in (5, 6, 11))
    case5 = next(r for r in rectifications if r[0] == november.cases[5].case_no)
    assert (case5[9], case5[10], case5[11], case5[12]) == ("2026-11-09", "2026-11-06", "是", "增开窗口")
    units = {row[0]: row[2] for row in book["分单位"].iter_rows(min_row=2, values_only=True)}
    assert (units["A-HR"], units["A-MKT"], units["A-HALL"]) == (9, 2, 9)
    assert "按办结时间统计" in indicators["统计口径"] and "不予采纳" in indicators["统计口径"]
    formulas = dict(book["指标口径"].iter_rows(min_row=4, values_only=True))
    assert "每一轮整改都在该轮期限内完成" in formulas["按期整改率"] and formulas["参评率"] == "评价量 ÷ 办件量"


def test_a_closed_months_workbook_shows_the_snapshot(client, world, november):
    sha = _close(client, world).json["sha256"]
    book = _workbook(client.get("/api/v1/stats/reports/A/2026-10.xlsx", headers=world.headers("auditor_c")))
    header = list(book["指标"].iter_rows(min_row=3, max_row=3, values_only=True))[0]
    assert header[:4] == ("快照版本", 1, "SHA-256", sha)


def test_the_yearly_workbook_lists_every_month_to_date(client, world, november):
    book = _workbook(client.get("/api/v1/stats/reports/A/year/2026.xlsx", headers=world.headers("auditor_c")))
    assert book["月度指标"]["A2"].value == "统计口径" and "按办结时间统计" in book["月度指标"]["B2"].value
    months = [row[0] for row in book["月度指标"].iter_rows(min_row=4, values_only=True)]
    assert months == [f"2026-{m:02d}" for m in range(1, 12)]
    rows = list(book["年度差评整改清单"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4  # October's case 13 and November's 5, 6, 11
