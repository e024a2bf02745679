"""One case's process instance: start, restore, complete a task, fire due timers, save.

Callers hold the case row lock while a CaseWorkflow lives; workflow objects are not shared.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from app.errors import ConflictError
from app.workflow import serializer, timer_clock
from app.workflow.errors import WorkflowRuntimeError
from app.workflow.registry import ModelBundle
from app.workflow.script_env import make_script_engine, recording_calculations

timer_clock.install()


class TaskNotReadyError(ConflictError):
    """The task was completed, cancelled (e.g. by a timer) or never existed in this state."""


@dataclass(frozen=True)
class HumanTask:
    uuid: str
    bpmn_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    data: dict[str, Any]


@dataclass(frozen=True)
class WaitingTimer:
    uuid: str
    bpmn_id: str
    due_at: datetime


@dataclass(frozen=True)
class StepRecord:
    """A task the engine finished during one advance: scripts, timers that fired, end events."""

    uuid: str
    bpmn_id: str
    name: str | None
    kind: str
    properties: dict[str, str]
    data: dict[str, Any] = field(repr=False)


def _properties(task: Any) -> dict[str, str]:
    return dict((getattr(task.task_spec, "extensions", None) or {}).get("properties", {}) or {})


class CaseWorkflow:
    def __init__(self, bundle: ModelBundle, workflow: BpmnWorkflow):
        self.bundle = bundle
        self.wf = workflow
        self.calculations: list[dict[str, Any]] = []  # deadline calculations made by the last advance
        self.wf.script_engine = make_script_engine()  # not part of the saved state

    @classmethod
    def start(cls, bundle: ModelBundle, data: dict[str, Any]) -> tuple[CaseWorkflow, list[StepRecord]]:
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=make_script_engine())
        instance = cls(bundle, workflow)
        # The model's rule parameters (its init script applies the policy profile over them), then the case facts.
        instance.wf.get_next_task(state=TaskState.READY).data.update({**bundle.parameters, **data})
        with recording_calculations() as log:
            steps = instance._advance()
        instance.calculations = log
        return instance, steps

    @classmethod
    def restore(cls, bundle: ModelBundle, state_json: str) -> CaseWorkflow:
        state = json.loads(state_json)
        return cls(bundle, serializer.restore(state, bundle.spec, bundle.subprocess_specs))

    def dump(self) -> tuple[str, str]:
        state = serializer.state_of(self.wf)
        return json.dumps(state, separators=(",", ":")), serializer.SERIALIZER_VERSION

    # -- commands -------------------------------------------------------------------------------

    def complete(self, task_uuid: str, data: dict[str, Any]) -> list[StepRecord]:
        task = self._ready_task(task_uuid)
        task.data.update(data)
        with recording_calculations() as log:
            try:
                task.run()
            except (WorkflowTaskException, WorkflowException) as err:
                raise WorkflowRuntimeError(f"流程执行出错：{err}") from err
            steps = self._advance()
        self.calculations = log
        return steps

    def fire_due_timers(self) -> list[StepRecord]:
        with recording_calculations() as log:
            steps = self._advance()
        self.calculations = log
        return steps

    def replace_values(self, replacements: dict[str, str]) -> int:
        """Swaps recomputed deadline strings in the live data and in armed timers; returns how many."""
        count = 0
        for task in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
            for key, value in list(task.data.items()):
                if isinstance(value, str) and value in replacements:
                    task.data[key] = replacements[value]
                    count += 1
            armed = task.internal_data.get("event_value")
            if isinstance(armed, str) and armed in replacements:
                task.internal_data["event_value"] = replacements[armed]
                count += 1
        return count

    def _advance(self) -> list[StepRecord]:
        before = {t.id for t in self.wf.get_tasks(state=TaskState.COMPLETED)}
        try:
            self.wf.refresh_timers()
            self.wf.do_engine_steps()
        except (WorkflowTaskException, WorkflowException) as err:
            raise WorkflowRuntimeError(f"流程执行出错：{err}") from err
        finished = [t for t in self.wf.tasks.values()
                    if t.state == TaskState.COMPLETED and t.id not in before and t.task_spec.bpmn_id]
        finished.sort(key=lambda t: t.last_state_change)
        return [StepRecord(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name, _kind(t), _properties(t),
                           dict(t.data)) for t in finished]

    # -- queries --------------------------------------------------------------------------------

    def _ready_task(self, task_uuid: str) -> Any:
        try:
            task = self.wf.get_task_from_id(uuid.UUID(task_uuid))
        except Exception:  # noqa: BLE001 - unknown id or malformed uuid: both mean "not open"
            raise TaskNotReadyError("该任务已不在待办状态") from None
        # run() would also "complete" a task a timer already cancelled: check the state first.
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReadyError("该任务已不在待办状态")
        return task

    def task_data(self, task_uuid: str) -> dict[str, Any]:
        return dict(self._ready_task(task_uuid).data)

    def ready_human_tasks(self) -> list[HumanTask]:
        tasks = []
        for task in self.wf.get_tasks(state=TaskState.READY, manual=True):
            if task.task_spec.lane is None and task.children:
                continue  # a multi-instance parent; its children carry the lane
            tasks.append(HumanTask(str(task.id), task.task_spec.bpmn_id, task.task_spec.bpmn_name or "",
                                   task.task_spec.lane, _properties(task), dict(task.data)))
        return tasks

    def waiting_timers(self) -> list[WaitingTimer]:
        timers = []
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            due = _timer_due(task)
            if due is not None:
                timers.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, due))
        return sorted(timers, key=lambda t: t.due_at)

    def current_data(self) -> dict[str, Any]:
        """What the process knows now: its final data, or the live branches' data (latest wins)."""
        if self.wf.is_completed():
            return dict(self.wf.data)
        merged: dict[str, Any] = {}
        live = self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
        for task in sorted(live, key=lambda t: t.last_state_change):
            merged.update(task.data)
        return merged

    def is_completed(self) -> bool:
        return bool(self.wf.is_completed())

    def evaluate(self, expression: str, data: dict[str, Any]) -> Any:
        return self.wf.script_engine.environment.evaluate(expression, dict(data))


def _kind(task: Any) -> str:
    spec = task.task_spec
    name = type(spec).__name__
    if "Timer" in name or isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
        return "timer"
    if "EndEvent" in name:
        return "end"
    if "Script" in name:
        return "script"
    if spec.manual:
        return "user"
    return "other"


def _timer_due(task: Any) -> datetime | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if definition is None:
        return None
    definitions = (definition.event_definitions if isinstance(definition, MultipleEventDefinition)
                   else [definition])
    timers = [d for d in definitions if isinstance(d, TimerEventDefinition)]
    if not timers:
        return None
    value = task.internal_data.get("event_value")
    if isinstance(timers[0], CycleTimerEventDefinition):
        value = value["next"] if value and value["cycles"] != 0 else None
    return TimerEventDefinition.get_datetime(value) if value else None
