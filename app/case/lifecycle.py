"""Running bad-review cases through their process: start, lock, restore, fire due timers.

Each command locks the case row, restores the engine state, advances it and mirrors the result
(open tasks, timers, status, deadlines, audit events) in the caller's transaction. Working a task
(claim, complete) is ``app.task.commands``, built on ``lock`` and ``restore`` here.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import load_only

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
TIMERS_PER_CASE = 4  # timers read per case wanted by due_case_ids; a case rarely waits on more at once


def start(case: BadReviewCase, *, actor: str) -> None:
    """Starts the deployed model for a newly opened case (same transaction as the evaluation)."""
    model = model_versions.for_new_case(PROCESS_ID)
    bundle = get_bundle(model)
    evaluation = case.evaluation
    policy = profiles.start_values()
    data = start_data(case.received_at, evaluation.level, evaluation.real_name, policy,
                      case_id=case.id, case_no=case.case_no, responsible_org=case.responsible_org.code)
    workflow, steps = CaseWorkflow.start(bundle, data)
    case.process_model_id = model.id
    sync.after_step(case, workflow, steps, actor=actor,
                    events=[("case.process_started", process_started_payload(model, policy))])


# The start data that differ from case to case; the rest is shared by the cases of one intake batch.
CASE_KEYS = ("case_id", "case_no", "responsible_org")


def start_data(received_at: datetime, level: int, real_name: bool, policy: dict[str, Any], *,
               case_id: int | None, case_no: str | None, responsible_org: str | None) -> dict[str, Any]:
    """What the process starts with (the model reads it as task data)."""
    return {"case_id": case_id, "case_no": case_no, "received_at": received_at.astimezone(UTC).isoformat(),
            "evaluation_level": level, "real_name": real_name, "responsible_org": responsible_org,
            "policy": policy}


def process_started_payload(model: ProcessModel, policy: dict[str, Any]) -> dict[str, Any]:
    return {"process_id": PROCESS_ID, "model_version": model.version, "model_id": model.id,
            "policy_profile": profiles.active().name, "policy": policy}


def lock(case_id: int) -> BadReviewCase:
    """Takes the case's row lock (PostgreSQL) or the database write lock (SQLite) before reading its state."""
    result = db.session.execute(update(BadReviewCase).where(BadReviewCase.id == case_id)
                                .values(lock_version=BadReviewCase.lock_version + 1))
    if result.rowcount == 0:
        raise NotFoundError("差评工单不存在")
    case = db.session.get(BadReviewCase, case_id, populate_existing=True)
    return case


def restore(case: BadReviewCase) -> CaseWorkflow:
    # The version's text columns are read only when its parsed bundle is not cached yet.
    model = db.session.get(ProcessModel, case.process_model_id, options=[load_only(
        ProcessModel.id, ProcessModel.process_id, ProcessModel.version, ProcessModel.checksum)])
    return CaseWorkflow.restore(get_bundle(model), case.state_json)


def due_case_ids(limit: int = 500) -> list[int]:
    """Cases with a due timer, earliest first (up to ``limit``).

    Read in due-time order so that the ``due_at`` index answers it on SQLite too (grouping by case made
    SQLite walk every timer by case id); the cost grows with the due timers, not with the open cases.
    """
    due = db.session.scalars(select(CaseTimer.case_id).where(CaseTimer.due_at <= now())
                             .order_by(CaseTimer.due_at, CaseTimer.id).limit(limit * TIMERS_PER_CASE))
    return list(dict.fromkeys(due))[:limit]


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
