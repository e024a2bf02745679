"""运行状态: the operations page shows how the audit chain's sealing keeps up, and alerts when it does not."""
from __future__ import annotations

import re

import pytest

from app import audit
from app.db import db
from tests.fixtures.audit import seal


def _page(client) -> str:
    response = client.get("/admin/operations")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("username", ["admin_c", "supervisor_a", "sup_lead_a"])
def test_administrators_and_the_supervision_office_see_the_sealing_state(sign_in, username):
    client = sign_in(username)  # signing in is audited too
    seal()
    html = _page(client)
    text = _text(html)
    assert "运行状态" in text and "审计链封存" in text and "待封存记录 0 条" in text
    assert "最新检查点 第 1 批" in text and "2026-11-20 10:00:00（北京时间）" in text  # TEST_NOW in Beijing time
    assert "审计链封存 告警" not in text and "各项正常" in text
    assert 'href="/admin/operations"' in html  # in the navigation


@pytest.mark.parametrize("username", ["handler_a", "auditor_c", "policy_c"])
def test_other_roles_may_not_open_the_operations_page(sign_in, username):
    assert sign_in(username).get("/admin/operations").status_code == 403


def test_events_waiting_longer_than_the_alert_time_are_an_alert(app, sign_in, clock):
    client = sign_in("admin_c")  # signing in records events: they are waiting too
    audit.record(actor="test", action="thing", subject_type="case", subject_id=1)
    db.session.commit()
    limit = app.config["AUDIT_SEAL_ALERT_SECONDS"]
    clock.advance(seconds=limit - 1)
    text = _text(_page(client))
    assert "已等待 1 分 59 秒" in text and "各项正常" in text and "审计链封存 告警" not in text
    clock.advance(seconds=2 + 60)
    text = _text(_page(client))
    assert "共 1 项告警" in text and "审计链封存 告警" in text
    assert f"超过 {limit // 60} 分 0 秒仍未封存" in text and "已等待 3 分 1 秒" in text
    assert "haochaping audit seal" in text
    seal()
    assert "各项正常" in _text(_page(client))
