"""Opening the bad-review cases of a whole intake batch at once, each with its process started.

The rows and audit events are those ``service.open_for`` writes for one case, written set-wise: one
INSERT per table for the batch. The process starts once per distinct shared start data (level, real
name; the batch shares its received time and policy) and every case gets a copy of that start
(``app.workflow.StartTemplate``). A start whose steps carry effects or end the case is mirrored case by
case, as a single opening does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from app import audit
from app.case import lifecycle, routing, sync
from app.case.models import BadReviewCase, CaseStatus, CaseTimer
from app.case.service import case_no_for, opened_event
from app.clock import now
from app.db import db, reserve_ids
from app.org.models import OrgUnit
from app.policy import profiles
from app.process_model import versions as model_versions
from app.process_model.models import ProcessModel
from app.task.models import CaseTask
from app.workflow import StartedCase, StartTemplate, get_bundle


@dataclass(frozen=True)
class NewCase:
    """A bad evaluation just taken in: the case it opens answers to the unit that handled the service."""

    evaluation_id: int
    level: int
    real_name: bool
    responsible_org: OrgUnit


@dataclass
class _Opened:
    new: NewCase
    case_id: int
    case_no: str
    started: StartedCase


def open_many(new_cases: list[NewCase], *, received: datetime, actor: str) -> list[int]:
    """Opens one case per bad evaluation; returns the case ids in the order given."""
    if not new_cases:
        return []
    model = process_model()
    policy = profiles.start_values()
    opened = _start_all(new_cases, reserve_ids(BadReviewCase, len(new_cases)), model, policy, received)
    simple = [o for o in opened if _mirrors_set_wise(o.started)]
    tasks, units = _task_rows(simple)
    summaries = _summaries(simple, tasks)
    db.session.execute(insert(BadReviewCase), [_case_row(o, model, received, summaries.get(o.case_id))
                                               for o in opened])
    task_ids = _insert_with_ids(CaseTask, tasks)
    timers = [{"case_id": o.case_id, "task_uuid": t.uuid, "bpmn_id": t.bpmn_id, "due_at": t.due_at}
              for o in simple for t in o.started.timers]
    if timers:
        db.session.execute(insert(CaseTimer), timers)
    audit.record_many(_events(simple, tasks, task_ids, units, model, policy, actor))
    for o in opened:
        if not _mirrors_set_wise(o.started):
            _mirror_one(o, model, policy, actor)
    return [o.case_id for o in opened]


def process_model() -> ProcessModel:
    """The model version new cases start on (on a fresh database, the shipped model is deployed first)."""
    return model_versions.for_new_case(lifecycle.PROCESS_ID)


def _start_all(new_cases: list[NewCase], case_ids: list[int], model: ProcessModel, policy: dict[str, Any],
               received: datetime) -> list[_Opened]:
    bundle = get_bundle(model)
    templates: dict[str, StartTemplate] = {}
    opened = []
    for new, case_id in zip(new_cases, case_ids, strict=True):
        shared = lifecycle.start_data(received, new.level, new.real_name, policy,
                                      case_id=None, case_no=None, responsible_org=None)
        key = json.dumps(shared, sort_keys=True, default=str)  # one start per distinct shared start data
        if key not in templates:
            templates[key] = StartTemplate.build(bundle, shared, lifecycle.CASE_KEYS)
        case_no = case_no_for(new.evaluation_id, received)
        started = templates[key].instantiate({"case_id": case_id, "case_no": case_no,
                                              "responsible_org": new.responsible_org.code})
        opened.append(_Opened(new, case_id, case_no, started))
    return opened


def _mirrors_set_wise(started: StartedCase) -> bool:
    """Whether the start only opened tasks and timers: no effects, no outcome, case still running."""
    return not started.completed and not any(
        step.properties.get("effect") or step.properties.get("outcome") for step in started.steps)


def _task_rows(opened: list[_Opened]) -> tuple[list[dict], list[OrgUnit]]:
    """The rows of the cases' open tasks (without ids yet), and the unit each is routed to."""
    offices = routing.supervision_offices()
    moment = now()
    tasks, units = [], []
    for o in opened:
        for human in o.started.human_tasks:
            unit = routing.org_for(o.new.responsible_org, human.lane, human.properties, human.data, offices=offices)
            tasks.append(sync.new_task_row(o.case_id, human, unit, moment))
            units.append(unit)
    return tasks, units


def _summaries(opened: list[_Opened], tasks: list[dict]) -> dict[int, dict[str, Any]]:
    """What ``sync.after_step`` derives from the state for a new case: deadlines, category, stage, first due."""
    by_case: dict[int, list[tuple]] = {}
    for row in tasks:
        by_case.setdefault(row["case_id"], []).append((row["name"], row["due_at"], row["due_provisional"]))
    summaries = {}
    for o in opened:
        data = o.started.current_data()
        stage, due_at, provisional = sync.summary_of(by_case.get(o.case_id, []))
        category = data.get("category")
        state_json, serializer_version = o.started.dump()
        summaries[o.case_id] = {
            "deadlines": sync.deadlines_of(data), "category": category if isinstance(category, str) else None,
            "stage": stage, "due_at": due_at, "due_provisional": provisional, "state_json": state_json,
            "serializer_version": serializer_version,
            "provisional_calculations": sync.provisional_kept([], o.started.calculations)}
    return summaries


def _case_row(o: _Opened, model: ProcessModel, received: datetime, summary: dict | None) -> dict[str, Any]:
    """The case as opened; without a summary (a start mirrored case by case) as ``service.open_for`` adds it."""
    row = {"id": o.case_id, "case_no": o.case_no, "evaluation_id": o.new.evaluation_id,
           "responsible_org_id": o.new.responsible_org.id, "org_path": o.new.responsible_org.path,
           "received_at": received, "status": CaseStatus.open, "process_model_id": model.id, "overdue": False,
           "deadlines": {}, "category": None, "stage": None, "due_at": None, "due_provisional": False,
           "state_json": None, "serializer_version": None, "provisional_calculations": [], "lock_version": 0}
    return {**row, **(summary or {})}


def _events(opened: list[_Opened], tasks: list[dict], task_ids: list[int], units: list[OrgUnit],
            model: ProcessModel, policy: dict[str, Any], actor: str) -> list[dict]:
    """Each case's events in the order a single opening records them."""
    opened_tasks: dict[int, list[dict]] = {}
    for row, task_id, unit in zip(tasks, task_ids, units, strict=True):
        opened_tasks.setdefault(row["case_id"], []).append({
            "actor": actor, "action": "task.opened", "subject_type": "case", "subject_id": row["case_id"],
            "payload": sync.task_opened_payload(task_id, row["bpmn_id"], row["name"], unit, row["due_at"],
                                                row["due_provisional"])})
    events = []
    for o in opened:
        deadlines = sync.deadlines_of(o.started.current_data())
        events += [_opened(o, actor), _process_started(o, model, policy, actor),
                   *({"actor": actor, "action": "timer.fired", "subject_type": "case", "subject_id": o.case_id,
                      "payload": {"timer": s.bpmn_id, "name": s.name}} for s in o.started.steps if s.kind == "timer"),
                   *opened_tasks.get(o.case_id, []),
                   *([{"actor": actor, "action": "deadlines.set", "subject_type": "case", "subject_id": o.case_id,
                       "payload": deadlines}] if deadlines else [])]
    return events


def _mirror_one(o: _Opened, model: ProcessModel, policy: dict[str, Any], actor: str) -> None:
    """A start with effects (notifications, flags, an end): mirrored the way a single opening does it."""
    case = db.session.get(BadReviewCase, o.case_id)
    audit.record(**_opened(o, actor))
    sync.after_step(case, o.started, o.started.steps, actor=actor,
                    events=[("case.process_started", lifecycle.process_started_payload(model, policy))])


def _process_started(o: _Opened, model: ProcessModel, policy: dict[str, Any], actor: str) -> dict:
    return {"actor": actor, "action": "case.process_started", "subject_type": "case", "subject_id": o.case_id,
            "payload": lifecycle.process_started_payload(model, policy)}


def _opened(o: _Opened, actor: str) -> dict:
    return opened_event(o.case_id, o.case_no, o.new.evaluation_id, o.new.responsible_org.code, o.new.level,
                        actor=actor)


def _insert_with_ids(model: type, rows: list[dict]) -> list[int]:
    ids = reserve_ids(model, len(rows))
    if rows:
        db.session.execute(insert(model), [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)])
    return ids
