"""Before deploying a shorter limit, policy staff see what it would change: the deadline calculator and a
replay of last month's real cases (how many deadlines move, who would have been late), read-only."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.case import impact, impact_jobs
from app.db import db
from app.process_model import parameters, versions
from app.process_model.impact import calculator
from app.process_model.models import ImpactPreview
from app.task.models import CaseTask
from tests.fixtures.lifecycle import local
from tests.process_model.conftest import csrf_token

RECTIFIED = {"measures": "窗口人员培训", "result": "已整改", "action": "done"}


def _three_day_draft():
    current = versions.for_new_case("bad_review")
    return versions.add_version(process_id="bad_review", bpmn_xml=parameters.write(current.bpmn_xml,
                                                                                   {"limit_general_days": 3}),
                                forms=current.forms, source="test", actor="policy_c", deploy=False), current


def test_the_calculator_shows_each_deadline_under_both_versions(app):
    rows = calculator(local(2026, 11, 16, 9, 0), {"limit_general_days": 5, "sign_for_days": 1},
                             {"limit_general_days": 3, "sign_for_days": 1})
    general = next(r for r in rows if r["label"] == "一般差评整改时限")
    assert (general["before"], general["after"], general["changed"]) == \
        ("2026年11月24日 00:00", "2026年11月20日 00:00", True)
    assert general["days"] == "5 个工作日 → 3 个工作日"
    assert not next(r for r in rows if r["label"] == "签收响应时限")["changed"]


def test_the_replay_counts_moved_deadlines_and_cases_that_would_turn_late(open_case, clock):
    finished_early = open_case(at=local(2026, 11, 16, 9, 0))
    still_open = open_case(at=local(2026, 11, 16, 9, 0))
    finished_early.accept_and_classify("general")
    still_open.accept_and_classify("general")
    clock.set(local(2026, 11, 20, 10, 0))  # day 4: on time under 5 working days, late under 3
    finished_early.do("rectify", RECTIFIED)
    clock.set(local(2026, 11, 19, 10, 0))
    draft, deployed = _three_day_draft()
    tasks_before = db.session.scalar(select(func.count()).select_from(CaseTask))
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    preview = impact.start(draft, deployed, 1, "user:policy_c")
    result = impact_jobs.run(preview.id, commit=False).result

    assert (result["cases"], result["cases_affected"], result["deadlines_moved"]) == (2, 2, 2)
    assert result["cases_status_changed"] == 1 and (result["late_before"], result["late_after"]) == (0, 1)
    [(department, counts)] = result["departments"].items()
    assert counts == {"moved": 2, "late_before": 0, "late_after": 1, "newly_late": 1, "newly_on_time": 0}
    late = next(r for r in result["rows"] if r["late_after"])
    assert late["case_no"] == finished_early.case.case_no and late["task"] == "整改落实"
    assert late["after"] == local(2026, 11, 20, 0, 0).astimezone(UTC).isoformat()
    assert preview.status == "done" and preview.done == preview.total == 2
    # read-only: the cases keep their deadlines and nothing is recorded against them
    assert still_open.task("rectify").due_at == local(2026, 11, 24, 0, 0).astimezone(UTC)
    assert db.session.scalar(select(func.count()).select_from(CaseTask)) == tasks_before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_the_impact_page_starts_a_replay_and_shows_its_summary(signed_in, open_case, clock, monkeypatch):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    draft, _ = _three_day_draft()
    db.session.commit()
    monkeypatch.setattr(impact_jobs, "run_in_background", lambda preview_id: impact_jobs.run(preview_id))
    client = signed_in("policy_c")
    url = f"/models/bad_review/v{draft.version}/impact"
    response = client.get(url + "?received=2026-11-16T09:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-3000:]
    assert "一般差评整改时限：5 个工作日 → 3 个工作日" in page and "2026年11月20日 00:00" in page
    assert client.post(url, data={"months": "99", "csrf_token": csrf_token(client, url)}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ImpactPreview)) == 0
    started = client.post(url, data={"months": "1", "csrf_token": csrf_token(client, url)})
    assert started.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "个工单的期限会改变" in page and "整改落实" in page
    preview = db.session.scalars(select(ImpactPreview)).one()
    progress = client.get(f"{url}/{preview.id}").json
    assert progress == {"status": "done", "done": 1, "total": 1}
    assert signed_in("handler_a").get(url).status_code == 403
