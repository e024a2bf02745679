"""What people do with a task: look at it, claim or release it, complete it with its form data.

Each command checks the caller's roles and scope, locks the task's case through ``app.case.lifecycle`` and
advances the case's process in the caller's transaction (the route or page commits).
"""
from __future__ import annotations

from typing import Any

from app import audit
from app.case import lifecycle, sync
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.org.service import find_by_code
from app.task import form_rules
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal


def get_task(task_id: int) -> CaseTask:
    task = db.session.get(CaseTask, task_id)
    if task is None:
        raise NotFoundError("任务不存在")
    return task


def get_visible_task(task_id: int, principal: Principal) -> CaseTask:
    """The task, if it lies in the caller's scope: its own unit or the unit responsible for its case."""
    task = get_task(task_id)
    if not principal.can_see(task.org_unit) and not principal.can_see(task.case.responsible_org):
        raise PermissionDeniedError("该任务不在您的管辖范围内")
    return task


def check_may_work(task: CaseTask, principal: Principal) -> None:
    if not principal.has_any(*task.roles):
        raise PermissionDeniedError("该任务需要以下角色之一：" + "、".join(task.roles))
    if not principal.can_see(task.org_unit):
        raise PermissionDeniedError("该任务不在您的管辖范围内")


def complete_task(task_id: int, data: Any, *, principal: Principal) -> CaseTask:
    task = get_task(task_id)
    check_may_work(task, principal)
    case = lifecycle.lock(task.case_id)
    db.session.refresh(task)
    if task.state != TaskState.open:
        raise ConflictError("该任务已办结或已被取消")
    if task.claimed_by_id not in (None, principal.user.id):
        raise ConflictError("该任务已被他人认领")
    workflow = lifecycle.restore(case)
    context = workflow.task_data(task.task_uuid)
    errors = form_rules.validate(workflow.bundle.forms[task.form], data, evaluate=workflow.evaluate, context=context,
                            org_exists=lambda code: find_by_code(code) is not None)
    if errors:
        raise ValidationError("表单填写有误", fields=errors)
    steps = workflow.complete(task.task_uuid, data)
    task.state, task.closed_at = TaskState.completed, now()
    task.completed_by_id, task.submitted = principal.user.id, data
    completed = {"task_id": task.id, "task": task.bpmn_id, "name": task.name, "data": data}
    sync.after_step(case, workflow, steps, actor=principal.label, events=[("task.completed", completed)])
    return task


def claim(task_id: int, *, principal: Principal, release: bool = False) -> CaseTask:
    task = get_task(task_id)
    check_may_work(task, principal)
    lifecycle.lock(task.case_id)
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
