"""Running bad-review cases through their process: start, complete a task, fire due timers.

Each command locks the case row, restores the engine state, advances it and mirrors the result
(open tasks, timers, status, deadlines, audit events) in the caller's transaction.
"""
from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select, update

from app import audit
from app.case import sync
from app.case.models import BadReviewCase, CaseTimer
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.org.service import find_by_code
from app.policy import profiles
from app.process_model import versions as model_versions
from app.process_model.models import ProcessModel
from app.task import forms
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal
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


def get_task(task_id: int) -> CaseTask:
    task = db.session.get(CaseTask, task_id)
    if task is None:
        raise NotFoundError("任务不存在")
    return task


def check_may_work(task: CaseTask, principal: Principal) -> None:
    if not principal.has_any(*task.roles):
        raise PermissionDeniedError("该任务需要以下角色之一：" + "、".join(task.roles))
    if not principal.can_see(task.org_unit):
        raise PermissionDeniedError("该任务不在您的管辖范围内")


def complete_task(task_id: int, data: Any, *, principal: Principal) -> CaseTask:
    task = get_task(task_id)
    check_may_work(task, principal)
    case = lock(task.case_id)
    db.session.refresh(task)
    if task.state != TaskState.open:
        raise ConflictError("该任务已办结或已被取消")
    if task.claimed_by_id not in (None, principal.user.id):
        raise ConflictError("该任务已被他人认领")
    workflow = restore(case)
    context = workflow.task_data(task.task_uuid)
    errors = forms.validate(workflow.bundle.forms[task.form], data, evaluate=workflow.evaluate, context=context,
                            org_exists=lambda code: find_by_code(code) is not None)
    if errors:
        raise ValidationError("表单填写有误", fields=errors)
    steps = workflow.complete(task.task_uuid, data)
    task.state, task.closed_at = TaskState.completed, now()
    task.completed_by_id, task.submitted = principal.user.id, data
    audit.record(actor=principal.label, action="task.completed", subject_type="case", subject_id=case.id,
                 payload={"task_id": task.id, "task": task.bpmn_id, "name": task.name, "data": data})
    sync.after_step(case, workflow, steps, actor=principal.label)
    return task


def claim(task_id: int, *, principal: Principal, release: bool = False) -> CaseTask:
    task = get_task(task_id)
    check_may_work(task, principal)
    lock(task.case_id)
    db.session.refresh(task)
    if task.state != TaskState.open:
        raise ConflictError("该任务已办结或已被取消")
    if release:
        if task.claimed_by_id not in (None, principal.user.id):
            raise ConflictError("只能释放自己认领的任务")
        task.claimed_by_id, task.claimed_at = None, None
    else:
        if task.claimed_by_id not in (None, principal.user.id):
            raise ConflictError("该任务已被他人认领")
        task.claimed_by_id, task.claimed_at = principal.user.id, now()
    audit.record(actor=principal.label, action="task.released" if release else "task.claimed",
                 subject_type="case", subject_id=task.case_id, payload={"task_id": task.id, "task": task.bpmn_id})
    return task


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
