"""Mirroring the engine state into rows after every step, and applying the model's declared effects.

The model declares what a step means (task properties ``due``, ``roles``, ``assignee_org``; script
``effect``; end-event ``outcome``); this module turns that into tasks, timers, flags and history.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from app import audit
from app.calendar import get_calendar
from app.case import routing
from app.case.models import BadReviewCase, CaseStatus, CaseTimer
from app.clock import now
from app.db import db
from app.notification import service as notifications
from app.org.models import OrgUnit
from app.settings import to_local
from app.task.models import CaseTask, TaskState
from app.workflow import CaseWorkflow, HumanTask, StepRecord

OUTCOMES = {"not_adopted": CaseStatus.not_adopted, "closed": CaseStatus.closed}


def after_step(case: BadReviewCase, workflow: CaseWorkflow, steps: list[StepRecord], *, actor: str,
               events: Iterable[tuple[str, dict]] = ()) -> None:
    """Mirrors the step; ``events`` are the command's own audit events (action, payload) about the case,
    written first, in the same round trip as the step's."""
    log = _Events(actor, case.id)
    for action, payload in events:
        log.add(action, payload)
    for step in steps:
        _apply_step(case, step, log)
    open_tasks = _sync_tasks(case, workflow, log)
    _sync_timers(case, workflow)
    _sync_summary(case, workflow, open_tasks, log)
    _remember_provisional(case, workflow)
    case.state_json, case.serializer_version = workflow.dump()
    log.write()
    db.session.flush()


class _Events:
    """The audit events of one step, written in one round trip, in the order they happened."""

    def __init__(self, actor: str, case_id: int):
        self.actor, self.case_id, self.pending = actor, case_id, []

    def add(self, action: str, payload: dict, *, subject_type: str = "case", subject_id=None) -> None:
        self.pending.append({"actor": self.actor, "action": action, "subject_type": subject_type,
                             "subject_id": self.case_id if subject_id is None else subject_id, "payload": payload})

    def write(self) -> None:
        """Writes what is pending; also before another service records its own event, to keep the order."""
        audit.record_many(self.pending)
        self.pending = []


def _apply_step(case: BadReviewCase, step: StepRecord, events: _Events) -> None:
    if step.kind == "timer":
        events.add("timer.fired", {"timer": step.bpmn_id, "name": step.name})
    effect = step.properties.get("effect", "")
    if effect == "not_adopted":
        evaluation = case.evaluation
        evaluation.adopted, evaluation.adoption_reason = False, step.data.get("adoption_reason")
        events.add("evaluation.not_adopted", {"case_id": case.id, "reason": evaluation.adoption_reason},
                   subject_type="evaluation", subject_id=evaluation.id)
    elif effect == "overdue":
        case.overdue = True
        events.add("case.overdue", {"deadline": step.data.get("rectify_deadline")})
    elif effect.startswith("notify:"):
        events.write()
        notifications.record(kind=effect.removeprefix("notify:"), case_id=case.id,
                             org_unit_id=case.responsible_org_id, actor=events.actor,
                             payload={"case_no": case.case_no, "deadline": step.data.get("rectify_deadline")})
    elif effect == "deadline_moved":
        events.add("deadline.moved", {"deadline": "rectify_deadline", "from": case.deadlines.get("rectify_deadline"),
                                      "to": step.data.get("rectify_deadline")})
    outcome = step.properties.get("outcome")
    if step.kind == "end" and outcome in OUTCOMES:
        case.status, case.closed_at = OUTCOMES[outcome], now()
        events.add("case.ended", {"status": str(case.status), "end": step.bpmn_id})


def due_of(properties: dict[str, str], data: dict) -> tuple[datetime | None, bool]:
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


def _sync_tasks(case: BadReviewCase, workflow: CaseWorkflow, events: _Events) -> list[CaseTask]:
    """Mirrors the ready human tasks into rows; returns the rows open after the step."""
    open_rows = {t.task_uuid: t for t in db.session.scalars(
        select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.state == TaskState.open))}
    ready = {t.uuid: t for t in workflow.ready_human_tasks()}
    moment = now()
    for uuid, row in open_rows.items():
        if uuid not in ready:
            row.state, row.closed_at = TaskState.cancelled, moment
            events.add("task.cancelled", {"task_id": row.id, "task": row.bpmn_id})
    still_open, changes = [], []  # (row, unit) for an opened task, (row, (action, payload)) for a changed due
    for uuid, human in ready.items():
        due, provisional = due_of(human.properties, human.data)
        row = open_rows.get(uuid)
        if row is None:
            unit = routing.org_for(case.responsible_org, human.lane, human.properties, human.data)
            row = CaseTask(**new_task_row(case.id, human, unit, moment))
            db.session.add(row)
            changes.append((row, unit))
        else:
            changes += _due_changes(row, due, provisional)
        still_open.append(row)
    if any(isinstance(change, OrgUnit) for _row, change in changes):
        db.session.flush()  # the new rows' ids, for their events
    for row, change in changes:
        if isinstance(change, OrgUnit):
            events.add("task.opened", task_opened_payload(row.id, row.bpmn_id, row.name, change, row.due_at,
                                                          row.due_provisional))
        else:
            events.add(*change)
    return still_open


def new_task_row(case_id: int, human: HumanTask, unit: OrgUnit, moment: datetime) -> dict[str, Any]:
    """The columns of the row that mirrors a newly ready human task."""
    due, provisional = due_of(human.properties, human.data)
    roles = routing.roles_for(human.lane, human.properties)
    return {"case_id": case_id, "task_uuid": human.uuid, "bpmn_id": human.bpmn_id, "name": human.name,
            "lane": human.lane or "", "roles_text": "," + ",".join(roles) + ",",
            "form": human.properties.get("form", human.bpmn_id), "org_unit_id": unit.id, "org_path": unit.path,
            "state": TaskState.open, "due_at": due, "due_provisional": provisional, "opened_at": moment}


def task_opened_payload(task_id: int, bpmn_id: str, name: str, unit: OrgUnit, due: datetime | None,
                        provisional: bool) -> dict[str, Any]:
    return {"task_id": task_id, "task": bpmn_id, "name": name, "org_unit": unit.code, "due_at": _iso(due),
            "provisional": provisional}


def _due_changes(row: CaseTask, due: datetime | None, provisional: bool) -> list[tuple[CaseTask, tuple]]:
    """A moved deadline is recorded; so is a provisional one that the official calendar confirmed unchanged."""
    if row.due_at != due:
        change = ("deadline.moved", {"task_id": row.id, "task": row.bpmn_id, "from": _iso(row.due_at),
                                     "to": _iso(due)})
    elif row.due_provisional and not provisional:
        change = ("deadline.confirmed", {"task_id": row.id, "task": row.bpmn_id, "due_at": _iso(due)})
    else:
        change = None
    row.due_at, row.due_provisional = due, provisional
    return [(row, change)] if change else []


def _sync_timers(case: BadReviewCase, workflow: CaseWorkflow) -> None:
    """Mirrors the waiting timers: rows of timers that are gone are deleted, moved ones updated, new ones added."""
    rows = {t.task_uuid: t for t in db.session.scalars(select(CaseTimer).where(CaseTimer.case_id == case.id))}
    waiting = {t.uuid: t for t in workflow.waiting_timers()}
    gone = [row.id for uuid, row in rows.items() if uuid not in waiting]
    if gone:
        db.session.execute(delete(CaseTimer).where(CaseTimer.id.in_(gone)))
    for uuid, timer in waiting.items():
        row = rows.get(uuid)
        if row is None:
            db.session.add(CaseTimer(case_id=case.id, task_uuid=uuid, bpmn_id=timer.bpmn_id, due_at=timer.due_at))
        elif row.due_at != timer.due_at:
            row.due_at = timer.due_at


def _sync_summary(case: BadReviewCase, workflow: CaseWorkflow, open_tasks: list[CaseTask], events: _Events) -> None:
    data = workflow.current_data()
    deadlines = deadlines_of(data)
    if deadlines != (case.deadlines or {}):
        changed = {k: v for k, v in deadlines.items() if (case.deadlines or {}).get(k) != v}
        if changed:
            events.add("deadlines.set", changed)
        case.deadlines = deadlines
    if isinstance(data.get("category"), str):
        case.category = data["category"]
    case.stage, case.due_at, case.due_provisional = summary_of(
        [(t.name, t.due_at, t.due_provisional) for t in open_tasks])
    if workflow.is_completed() and case.status == CaseStatus.open:
        case.status, case.closed_at = CaseStatus.closed, now()


def deadlines_of(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if k.endswith("_deadline") and isinstance(v, str)}


def summary_of(open_tasks: list[tuple[str, datetime | None, bool]]) -> tuple[str | None, datetime | None, bool]:
    """Stage (the open tasks' names), first due instant and whether it is provisional, from (name, due, provisional)."""
    stage = "、".join(sorted({name for name, _, _ in open_tasks})) or None
    dues = [t for t in open_tasks if t[1] is not None]
    first = min(dues, key=lambda t: t[1]) if dues else None
    return stage, (first[1] if first else None), bool(first and first[2])


def _remember_provisional(case: BadReviewCase, workflow: CaseWorkflow) -> None:
    if any(c["provisional"] for c in workflow.calculations):
        case.provisional_calculations = provisional_kept(case.provisional_calculations or [], workflow.calculations)


def provisional_kept(kept: list[dict], calculations: list[dict]) -> list[dict]:
    """The provisional deadline calculations a case keeps: those kept so far, then the new provisional ones."""
    known = {(c["function"], tuple(c["args"])) for c in kept}
    return [*kept, *(c for c in calculations if c["provisional"] and (c["function"], tuple(c["args"])) not in known)]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
