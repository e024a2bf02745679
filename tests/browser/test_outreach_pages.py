"""The supervision office draws a month's return-visit sample, records a visit, and reviews a fraud signal."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.org.service import find_by_code
from app.outreach import fraud
from app.outreach.models import FraudSignal
from app.service_case.models import ServiceCase, ServiceItem
from app.user.service import get_by_username
from tests.fixtures.browser import screenshot, sign_in
from tests.stats.conftest import local


def _rate(*, level: int, at: datetime, org: str = "A-HR", item: str = "ITEM-HR-1", staff: str = "handler_a",
          channel: str = "window_device") -> ServiceCase:
    """A finished service case and its active evaluation, written directly (inside an app context)."""
    unit = find_by_code(org)
    case = ServiceCase(case_no=f"SC-OUT-{uuid.uuid4().hex[:8]}",
                       item=db.session.scalar(select(ServiceItem).where(ServiceItem.code == item)), org_unit=unit,
                       window=find_by_code("A-W1") if org == "A-HR" else None, staff=get_by_username(staff),
                       channel="window", applicant_kind="natural_person", applicant_name="李四",
                       applicant_phone="13800001111", applicant_phone_hash=f"out-{uuid.uuid4().hex[:12]}",
                       accepted_at=at - timedelta(hours=1), finished_at=at - timedelta(minutes=5), created_at=at)
    db.session.add(case)
    db.session.flush()
    db.session.add(Evaluation(service_case=case, org_unit_id=unit.id, org_path=unit.path, level=level,
                              channel=channel, real_name=True, reasons=["attitude"] if level < 3 else [],
                              evaluated_at=at, received_at=at, source="active", adopted=True))
    db.session.flush()
    return case


def test_a_supervisor_draws_a_month_and_records_a_return_visit(page, live):
    _, app, _ = live
    with app.app_context():
        for day, level in ((5, 5), (6, 5), (7, 4), (8, 4), (9, 3)):
            _rate(level=level, at=local(2026, 10, day, 10, 0))
        db.session.commit()
        db.session.remove()
    sign_in(page, "supervisor_a")
    page.get_by_role("link", name="抽样回访").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="抽样回访", level=1).is_visible()
    month = page.get_by_label("抽样月份")
    month.fill("2026-10")
    screenshot(page, "outreach-return-visits")
    page.get_by_role("button", name="抽取样本").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("^2026-10 回访抽样"), level=1).is_visible()
    assert "已抽取 2026-10 的回访样本" in page.get_by_role("status").first.inner_text()
    assert "按种子重抽一致" in page.content()
    screenshot(page, "outreach-draw")

    page.get_by_role("link", name="抽样回访", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("table.draws tbody tr", has_text="2026-10").count() == 1
    page.get_by_role("link", name=re.compile("^待回访")).click()
    page.wait_for_load_state()
    before = int(re.search(r"待回访（(\d+)）", page.get_by_role("heading", level=1).inner_text()).group(1))
    assert before >= 5 and "138****1111" in page.content() and "13800001111" not in page.content()
    screenshot(page, "outreach-worklist")
    page.get_by_role("link", name=re.compile("^回访办件")).first.click()
    page.wait_for_load_state()
    assert "13800001111" in page.content()  # the phone to call, for the supervision office
    satisfaction = page.get_by_role("radiogroup", name=re.compile("评价人的满意程度"))
    assert "required" not in (satisfaction.locator("legend").get_attribute("class") or "")
    page.get_by_role("radiogroup", name=re.compile("联系到评价人")).get_by_label("是").check()
    assert "required" in satisfaction.locator("legend").get_attribute("class")  # required once reached
    satisfaction.get_by_label("基本满意").check()
    page.get_by_label("回访记录").fill("电话回访：评价人表示窗口服务基本满意，建议增加叫号提示")
    screenshot(page, "outreach-visit")
    page.get_by_role("button", name="记录回访结果").click()
    page.wait_for_load_state()
    assert "已记录办件" in page.get_by_role("status").first.inner_text()
    assert f"待回访（{before - 1}）" in page.get_by_role("heading", level=1).inner_text()


def test_a_supervisor_reviews_a_fraud_signal(page, live):
    _, app, _ = live
    with app.app_context():
        start = now() - timedelta(hours=5)
        for n in range(3):
            _rate(level=1, at=start + timedelta(hours=n), org="A-MKT", item="ITEM-MKT-1", staff="handler_m",
                  channel="qr_code")
        db.session.commit()
        fraud.detect(since=start - timedelta(minutes=1), until=now())
        db.session.commit()
        assert db.session.scalar(select(FraudSignal.id).where(FraudSignal.subject_label.contains("handler_m")))
        db.session.remove()
    sign_in(page, "supervisor_a")
    page.get_by_role("link", name="刷评预警").click()
    page.wait_for_load_state()
    signal = page.locator("article.signal", has_text="handler_m")
    assert "同一工作人员短时间内集中收到差评" in signal.inner_text()
    assert signal.locator("table.evaluations tbody tr").count() == 3
    screenshot(page, "outreach-fraud-signals")

    signal.get_by_label("排除：正常评价").check()
    signal.get_by_role("button", name="提交核查结论").click()
    page.wait_for_load_state()
    signal = page.locator("article.signal", has_text="handler_m")
    assert "请填写核查说明" in signal.get_by_role("alert").last.inner_text()
    assert signal.get_by_label("排除：正常评价").is_checked()  # the choice is kept
    signal.get_by_label("核查说明").fill("调阅窗口录像，三位评价人均为真实办事群众，差评属实，转整改")
    signal.get_by_role("button", name="提交核查结论").click()
    page.wait_for_load_state()
    assert "已排除" in page.get_by_role("status").first.inner_text()
    page.get_by_role("navigation", name="预警状态").get_by_role("link", name=re.compile("^已排除")).click()
    page.wait_for_load_state()
    reviewed = page.locator("article.signal", has_text="handler_m")
    assert "调阅窗口录像" in reviewed.inner_text() and "supervisor_a" in reviewed.inner_text()
    assert reviewed.get_by_role("button", name="提交核查结论").count() == 0
    screenshot(page, "outreach-fraud-signal-reviewed")
