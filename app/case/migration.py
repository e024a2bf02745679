"""Moving running cases to a newly deployed model version: a preview, then an explicit, audited move.

Deploying never touches running cases; they stay on the version they started on. Policy staff may
move the open cases the preview marks movable. Each case is locked, planned again and moved only if
the move leaves its open tasks, data and timers as they are; a case that cannot be moved is left
unchanged and the reason is recorded.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import audit
from app.case import lifecycle, sync
from app.case.models import BadReviewCase, CaseStatus
from app.db import db
from app.errors import ConflictError
from app.process_model.models import ModelStatus, ProcessModel
from app.workflow import migration_plan
from app.workflow.registry import get_bundle

PREVIEW_LIMIT = 500
ADVICE = ("可以：请经办人先办完{tasks}，再回到本页迁移；或过几天再迁移（到那时工单已走到其他环节）；"
          "或不迁移——工单留在原版本照常办完，不影响办理，只是后续步骤仍按原版本执行。")


def advice(workflow) -> str:
    """What policy staff can do about a case that cannot move now, in Chinese."""
    names = [t.name for t in workflow.ready_human_tasks()]
    return ADVICE.format(tasks="、".join(f"“{n}”" for n in names) if names else "当前任务")


def _open_cases_elsewhere(target: ProcessModel, case_ids: list[int] | None = None) -> list[BadReviewCase]:
    query = (select(BadReviewCase).join(ProcessModel, BadReviewCase.process_model_id == ProcessModel.id)
             .where(BadReviewCase.status == CaseStatus.open, ProcessModel.process_id == target.process_id,
                    ProcessModel.id != target.id).order_by(BadReviewCase.id).limit(PREVIEW_LIMIT))
    if case_ids is not None:
        query = query.where(BadReviewCase.id.in_(case_ids))
    return list(db.session.scalars(query))


def preview(target: ProcessModel) -> list[dict[str, Any]]:
    """Every open case on another version of the process, and whether it could move to ``target``."""
    new = get_bundle(target)
    rows = []
    for case in _open_cases_elsewhere(target):
        workflow = lifecycle.restore(case)
        plan = migration_plan.plan(workflow, new)
        rows.append({"case_id": case.id, "case_no": case.case_no, "stage": case.stage,
                     "from_version": db.session.get(ProcessModel, case.process_model_id).version,
                     "movable": plan.movable, "reasons": plan.reasons, "changed_tasks": plan.changed_tasks,
                     "advice": None if plan.movable else advice(workflow)})
    return rows


def migrate(target: ProcessModel, *, case_ids: list[int] | None, actor: str) -> dict[str, list]:
    """Moves the given open cases (all movable ones when ``case_ids`` is None) to the deployed ``target``."""
    if target.status != ModelStatus.deployed:
        raise ConflictError("只能把工单迁移到当前部署的版本")
    new = get_bundle(target)
    moved, refused = [], []
    for candidate in _open_cases_elsewhere(target, case_ids):
        case = lifecycle.lock(candidate.id)
        source = db.session.get(ProcessModel, case.process_model_id)
        workflow = lifecycle.restore(case)
        plan = migration_plan.plan(workflow, new)
        if not plan.movable:
            refused.append({"case_id": case.id, "case_no": case.case_no, "reasons": plan.reasons,
                            "advice": advice(workflow)})
            continue
        case.process_model_id = target.id
        audit.record(actor=actor, action="case.model_migrated", subject_type="case", subject_id=case.id,
                     payload={"process_id": target.process_id, "from_version": source.version,
                              "to_version": target.version, "changed_tasks": plan.changed_tasks})
        sync.after_step(case, plan.workflow, [], actor=actor)
        moved.append({"case_id": case.id, "case_no": case.case_no, "from_version": source.version})
    audit.record(actor=actor, action="model.cases_migrated", subject_type="model", subject_id=target.id,
                 payload={"process_id": target.process_id, "version": target.version,
                          "moved": [m["case_no"] for m in moved], "refused": refused})
    return {"moved": moved, "refused": refused}
