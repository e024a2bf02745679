"""Policy profiles: the province's numbers in one file, passed to the model at start, no code change."""
from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.policy import profiles
from tests.fixtures.lifecycle import local

SHIPPED = ["fujian", "guangdong", "jiangsu", "shandong"]


def test_the_four_shipped_profiles_load_and_name_their_sources():
    assert profiles.available() == SHIPPED
    for name in SHIPPED:
        profile = profiles.load(name)
        assert profile.name == name and profile.title
        assert all(source["document"] and source["rules"] for source in profile.sources)


def test_each_profile_says_what_differs():
    assert profiles.load("jiangsu").process_values() == {}  # the model's defaults are Jiangsu's
    assert profiles.load("fujian").process_values() == {
        "appeal_window_days": 7, "limit_days": {"simple": 10, "general": 10, "complex": 10}}
    assert profiles.load("fujian").values["default_rating"] == {"after_natural_days": 7, "level": 4}
    assert profiles.load("guangdong").values["default_rating"] == {"after_natural_days": 7, "level": 3}
    assert profiles.load("shandong").values["return_visit"]["real_name_share"] == 1.0


@pytest.mark.parametrize(("body", "message"), [
    ("name: broken\ntitle: x\nsources: [{document: d, rules: []}]\nvalues: {appeal_window_days: -1}\n", "minimum"),
    ("name: broken\ntitle: x\nsources: [{document: d, rules: []}]\nvalues: {surprise: 1}\n", "surprise"),
    ("name: broken\ntitle: x\nsources: [{document: d, rules: []}]\n"
     "values: {rectify_days: 10, limit_days: {general: 3}}\n", "只能写一个"),
    ("name: other\ntitle: x\nsources: [{document: d, rules: []}]\nvalues: {}\n", "文件名"),
    ("name: broken\ntitle: x\nvalues: {}\n", "sources"),
    ("name: [broken\n", "YAML"),
])
def test_a_broken_profile_is_refused_with_the_reason(tmp_path, body, message):
    (tmp_path / "broken.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(profiles.PolicyProfileError, match=message):
        profiles.load("broken", tmp_path)


def test_a_missing_profile_is_refused():
    with pytest.raises(profiles.PolicyProfileError, match="不存在"):
        profiles.load("atlantis")


def test_switching_the_profile_changes_the_deadlines_of_new_cases(app, open_case, monkeypatch):
    jiangsu = open_case(at=local(2026, 11, 16, 9, 0))
    monkeypatch.setitem(app.config, "POLICY_PROFILE", "fujian")
    fujian = open_case(at=local(2026, 11, 16, 9, 0))
    data_j = jiangsu.case.deadlines
    data_f = fujian.case.deadlines
    assert data_j["appeal_deadline"] == local(2026, 11, 18, 0, 0).astimezone(UTC).isoformat()  # 1 working day
    assert data_f["appeal_deadline"] == local(2026, 11, 26, 0, 0).astimezone(UTC).isoformat()  # 7 working days
    jiangsu.accept_and_classify("general")
    fujian.accept_and_classify("simple")
    assert jiangsu.task("rectify").due_at == local(2026, 11, 24, 0, 0).astimezone(UTC)  # general: 5
    assert fujian.task("rectify").due_at == local(2026, 12, 1, 0, 0).astimezone(UTC)  # single limit: 10
    started = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.process_started",
                                                          AuditEvent.subject_id == str(fujian.case_id))).one()
    assert started.payload["policy_profile"] == "fujian" and started.payload["policy"]["appeal_window_days"] == 7
