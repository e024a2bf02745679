"""Mirroring the engine state into rows after every step, and applying the model's declared effects.

The model declares what a step means (task properties ``due``, ``roles``, ``assignee_org``; script
``effect``; end-event ``outcome``); this module turns that into tasks, timers, flags and history.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from app import audit
from app.calendar import get_calendar
from app.case import routing
from app.case.models import BadReviewCase, CaseStatus, CaseTimer
from app.clock import now
from app.db import db
from app.notification import service as notifications
from app.settings import to_local
from app.task.models import CaseTask, TaskState
from app.workflow import CaseWorkflow, StepRecord

OUTCOMES = {"not_adopted": CaseStatus.not_adopted, "closed": CaseStatus.closed}


def after_step(case: BadReviewCase, workflow: CaseWorkflow, steps: list[StepRecord], *, actor: str) -> None:
    for step in steps:
        _apply_step(case, step, actor)
    _sync_tasks(case, workflow, actor)
    _sync_timers(case, workflow)
    _sync_summary(case, workflow, actor)
    _remember_provisional(case, workflow)
    case.state_json, case.serializer_version = workflow.dump()
    db.session.flush()


def _apply_step(case: BadReviewCase, step: StepRecord, actor: str) -> None:
    if step.kind == "timer":
        audit.record(actor=actor, action="timer.fired", subject_type="case", subject_id=case.id,
                     payload={"timer": step.bpmn_id, "name": step.name})
    effect = step.properties.get("effect", "")
    if effect == "not_adopted":
        evaluation = case.evaluation
        evaluation.adopted, evaluation.adoption_reason = False, step.data.get("adoption_reason")
        audit.record(actor=actor, action="evaluation.not_adopted", subject_type="evaluation",
                     subject_id=evaluation.id, payload={"case_id": case.id, "reason": evaluation.adoption_reason})
    elif effect == "overdue":
        case.overdue = True
        audit.record(actor=actor, action="case.overdue", subject_type="case", subject_id=case.id,
                     payload={"deadline": step.data.get("rectify_deadline")})
    elif effect.startswith("notify:"):
        notifications.record(kind=effect.removeprefix("notify:"), case_id=case.id,
                             org_unit_id=case.responsible_org_id, actor=actor,
                             payload={"case_no": case.case_no, "deadline": step.data.get("rectify_deadline")})
    elif effect == "deadline_moved":
        audit.record(actor=actor, action="deadline.moved", subject_type="case", subject_id=case.id,
                     payload={"deadline": "rectify_deadline", "from": case.deadlines.get("rectify_deadline"),
                              "to": step.data.get("rectify_deadline")})
    outcome = step.properties.get("outcome")
    if step.kind == "end" and outcome in OUTCOMES:
        case.status, case.closed_at = OUTCOMES[outcome], now()
        audit.record(actor=actor, action="case.ended", subject_type="case", subject_id=case.id,
                     payload={"status": str(case.status), "end": step.bpmn_id})


def _due_of(properties: dict[str, str], data: dict) -> tuple[datetime | None, bool]:
    value = data.get(properties.get("due", ""))
    if not isinstance(value, str):
        return None, False
    due = datetime.fromisoformat(value)
    return due, is_provisional(data.get("received_at"), due)


def calculation_is_provisional(calculation: dict) -> bool:
    """Whether a kept deadline calculation still touches a year without official data."""
    first, second = calculation["args"][0], calculation["value"]
    return is_provisional(first if len(first) > 10 else f"{first}T00:00:00+08:00", datetime.fromisoformat(second))


def is_provisional(start_iso: str | None, due: datetime) -> bool:
    """A deadline is provisional when a year between its start and its date has no official calendar."""
    start = to_local(datetime.fromisoformat(start_iso)).date() if start_iso else to_local(now()).date()
    end = to_local(due).date()
    return bool(get_calendar().missing_years(min(start, end), max(start, end)))


def _sync_tasks(case: BadReviewCase, workflow: CaseWorkflow, actor: str) -> None:
    open_rows = {t.task_uuid: t for t in db.session.scalars(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.state == TaskState.open))}
    ready = {t.uuid: t for t in workflow.ready_human_tasks()}
    moment = now()
    for uuid, row in open_rows.items():
        if uuid not in ready:
            row.state, row.closed_at = TaskState.cancelled, moment
            audit.record(actor=actor, action="task.cancelled", subject_type="case", subject_id=case.id,
                         payload={"task_id": row.id, "task": row.bpmn_id})
    for uuid, human in ready.items():
        due, provisional = _due_of(human.properties, human.data)
        row = open_rows.get(uuid)
        if row is not None:
            _update_due(case, row, due, provisional, actor)
            continue
        unit = routing.org_for(case, human.lane, human.properties, human.data)
        row = CaseTask(case_id=case.id, task_uuid=uuid, bpmn_id=human.bpmn_id, name=human.name,
                       lane=human.lane or "", roles=routing.roles_for(human.lane, human.properties),
                       form=human.properties.get("form", human.bpmn_id), org_unit_id=unit.id, org_path=unit.path,
                       due_at=due, due_provisional=provisional, opened_at=moment)
        db.session.add(row)
        db.session.flush()
        audit.record(actor=actor, action="task.opened", subject_type="case", subject_id=case.id,
                     payload={"task_id": row.id, "task": row.bpmn_id, "name": row.name, "org_unit": unit.code,
                              "due_at": _iso(due), "provisional": provisional})


def _update_due(case: BadReviewCase, row: CaseTask, due: datetime | None, provisional: bool, actor: str) -> None:
    """A moved deadline is recorded; so is a provisional one that the official calendar confirmed unchanged."""
    if row.due_at != due:
        audit.record(actor=actor, action="deadline.moved", subject_type="case", subject_id=case.id,
                     payload={"task_id": row.id, "task": row.bpmn_id, "from": _iso(row.due_at), "to": _iso(due)})
    elif row.due_provisional and not provisional:
        audit.record(actor=actor, action="deadline.confirmed", subject_type="case", subject_id=case.id,
                     payload={"task_id": row.id, "task": row.bpmn_id, "due_at": _iso(due)})
    row.due_at, row.due_provisional = due, provisional


def _sync_timers(case: BadReviewCase, workflow: CaseWorkflow) -> None:
    db.session.execute(delete(CaseTimer).where(CaseTimer.case_id == case.id))
    for timer in workflow.waiting_timers():
        db.session.add(CaseTimer(case_id=case.id, task_uuid=timer.uuid, bpmn_id=timer.bpmn_id, due_at=timer.due_at))


def _sync_summary(case: BadReviewCase, workflow: CaseWorkflow, actor: str) -> None:
    data = workflow.current_data()
    deadlines = {k: v for k, v in data.items() if k.endswith("_deadline") and isinstance(v, str)}
    if deadlines != (case.deadlines or {}):
        changed = {k: v for k, v in deadlines.items() if (case.deadlines or {}).get(k) != v}
        if changed:
            audit.record(actor=actor, action="deadlines.set", subject_type="case", subject_id=case.id,
                         payload=changed)
        case.deadlines = deadlines
    if isinstance(data.get("category"), str):
        case.category = data["category"]
    open_tasks = [t for t in db.session.scalars(select(CaseTask).where(
        CaseTask.case_id == case.id, CaseTask.state == TaskState.open)).all()]
    case.stage = "、".join(sorted({t.name for t in open_tasks})) or None
    dues = [t for t in open_tasks if t.due_at is not None]
    first = min(dues, key=lambda t: t.due_at) if dues else None
    case.due_at = first.due_at if first else None
    case.due_provisional = bool(first and first.due_provisional)
    if workflow.is_completed() and case.status == CaseStatus.open:
        case.status, case.closed_at = CaseStatus.closed, now()


def _remember_provisional(case: BadReviewCase, workflow: CaseWorkflow) -> None:
    new = [c for c in workflow.calculations if c["provisional"]]
    if new:
        known = {(c["function"], tuple(c["args"])) for c in case.provisional_calculations or []}
        case.provisional_calculations = [*(case.provisional_calculations or []),
                                         *(c for c in new if (c["function"], tuple(c["args"])) not in known)]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
