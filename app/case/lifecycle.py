"""Running bad-review cases through their process: start, lock, restore, fire due timers.

Each command locks the case row, restores the engine state, advances it and mirrors the result
(open tasks, timers, status, deadlines, audit events) in the caller's transaction. Working a task
(claim, complete) is ``app.task.commands``, built on ``lock`` and ``restore`` here.
"""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import select, update

from app import audit
from app.case import sync
from app.case.models import BadReviewCase, CaseTimer
from app.clock import now
from app.db import db
from app.errors import NotFoundError
from app.policy import profiles
from app.process_model import versions as model_versions
from app.process_model.models import ProcessModel
from app.workflow import CaseWorkflow, get_bundle

PROCESS_ID = "bad_review"


def start(case: BadReviewCase, *, actor: str) -> None:
    """Starts the deployed model for a newly opened case (same transaction as the evaluation)."""
    model = model_versions.for_new_case(PROCESS_ID)
    bundle = get_bundle(model)
    evaluation = case.evaluation
    data = {"case_id": case.id, "case_no": case.case_no,
            "received_at": case.received_at.astimezone(UTC).isoformat(),
            "evaluation_level": evaluation.level, "real_name": evaluation.real_name,
            "responsible_org": case.responsible_org.code, "policy": profiles.start_values()}
    workflow, steps = CaseWorkflow.start(bundle, data)
    case.process_model_id = model.id
    audit.record(actor=actor, action="case.process_started", subject_type="case", subject_id=case.id,
                 payload={"process_id": PROCESS_ID, "model_version": model.version, "model_id": model.id,
                          "policy_profile": profiles.active().name, "policy": data["policy"]})
    sync.after_step(case, workflow, steps, actor=actor)


def lock(case_id: int) -> BadReviewCase:
    """Takes the case's row lock (PostgreSQL) or the database write lock (SQLite) before reading its state."""
    result = db.session.execute(update(BadReviewCase).where(BadReviewCase.id == case_id)
                                .values(lock_version=BadReviewCase.lock_version + 1))
    if result.rowcount == 0:
        raise NotFoundError("差评工单不存在")
    case = db.session.get(BadReviewCase, case_id, populate_existing=True)
    return case


def restore(case: BadReviewCase) -> CaseWorkflow:
    bundle = get_bundle(db.session.get(ProcessModel, case.process_model_id))
    return CaseWorkflow.restore(bundle, case.state_json)


def due_case_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(select(CaseTimer.case_id).where(CaseTimer.due_at <= now())
                                   .group_by(CaseTimer.case_id).order_by(CaseTimer.case_id).limit(limit)))


def fire_timers(case_id: int, *, actor: str = "scheduler") -> bool:
    """Fires the case's due timers; False when another worker already did (nothing is due any more)."""
    case = lock(case_id)
    still_due = db.session.scalar(select(CaseTimer.id).where(CaseTimer.case_id == case_id,
                                                             CaseTimer.due_at <= now()).limit(1))
    if still_due is None:
        return False
    workflow = restore(case)
    steps = workflow.fire_due_timers()
    sync.after_step(case, workflow, steps, actor=actor)
    return True
