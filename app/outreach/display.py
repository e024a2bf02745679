"""What the outreach pages show of draws, visits and signals: Chinese labels, who did it, masked evaluators."""
from __future__ import annotations

from sqlalchemy import select

from app.clock import now
from app.db import db
from app.org.models import OrgUnit
from app.outreach import fraud, sampling
from app.outreach.forms import ANSWERS, DECISIONS
from app.outreach.models import FraudSignal, ReturnVisitDraw, ReturnVisitSample
from app.privacy import mask_name, mask_phone
from app.user import service as user_service

STRATA = (("rectification", "差评整改回访"), ("level_5", "非常满意"), ("level_4", "满意"), ("level_3", "基本满意"),
          ("level_2", "不满意"), ("level_1", "非常不满意"), ("random", "随机抽取"))
SIGNAL_STATUSES = (("open", "待核查"), ("confirmed", "已确认"), ("dismissed", "已排除"))
VISIT_STATES = {"open": "待回访", "completed": "已回访"}
SYSTEM_ACTORS = {"system:outreach": "系统（每月定时抽样）", "system:fraud": "系统（自动预警）"}
LABELS = {"stratum": dict(STRATA), "signal_status": dict(SIGNAL_STATUSES), "visit_state": VISIT_STATES,
          "answer": dict(ANSWERS), "decision": dict(DECISIONS)}


def actor_names(labels: set[str]) -> dict[str, str]:
    return user_service.actor_names(labels, SYSTEM_ACTORS)


def draw_rows(records: list[ReturnVisitDraw]) -> list[dict]:
    """Each draw with its office, who drew it, whether a redraw from its seed matches, and its progress."""
    progress = sampling.progress([r.id for r in records])
    names = actor_names({r.created_by for r in records})
    ids = {r.office_id for r in records} | {r.root_id for r in records}
    units = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))} if ids else {}
    return [{"record": r, "office": units[r.office_id], "root": units[r.root_id], "by": names[r.created_by],
             "verified": sampling.verify(r), "progress": progress[r.id], "total": sum(r.counts.values()),
             "counts": strata_counts(r.counts)} for r in records]


def strata_counts(counts: dict) -> list[tuple[str, int]]:
    return [(text, counts.get(key, 0)) for key, text in STRATA if counts.get(key)]


def visit_row(sample: ReturnVisitSample) -> dict:
    """A visit as the worklist shows it: the evaluation, and the evaluator masked (the visit page shows more)."""
    evaluation = sample.evaluation
    case = evaluation.service_case
    evaluator = None
    if evaluation.real_name:
        evaluator = {"name": mask_name(case.applicant_name), "phone": mask_phone(case.applicant_phone)}
    return {"sample": sample, "evaluation": evaluation, "service_case": case, "evaluator": evaluator,
            "overdue": sample.state == "open" and sample.due_at is not None and sample.due_at < now()}


def visit_result(sample: ReturnVisitSample) -> dict | None:
    if sample.state != "completed" or not sample.result:
        return None
    by = sample.completed_by or ""
    return {**sample.result, "by": actor_names({by})[by] if by else "—", "at": sample.completed_at}


def signal_rows(signals: list[FraudSignal]) -> list[dict]:
    """Each signal with its rule's label, who reviewed it, and the evaluations behind it (no personal data)."""
    evaluations = fraud.evaluations_of(signals)
    kinds = {rule.kind: rule.label for rule in fraud.rules()}
    names = actor_names({s.reviewed_by for s in signals if s.reviewed_by})
    rows = []
    for s in signals:
        kind = kinds.get(s.kind, s.kind)
        rows.append({"signal": s, "kind": kind, "subject": s.subject_label.removeprefix(f"{kind}："),
                     "reviewed_by": names.get(s.reviewed_by),
                     "evaluations": [evaluations[i] for i in s.evaluation_ids or [] if i in evaluations]})
    return rows
