"""Runs the JSON test cases kept beside a model (``bpmn/<model>.test.json``) on the engine alone.

Each case starts the process with given data at a given time, submits task data step by step (or
moves the clock so timers fire) and checks open tasks, due instants, data and the outcome reached.
Used by the test suite and, before a model is stored as deployable, by validation.

An expected due date is either an instant or a rule: ``{"working_days": "limit_general_days"}`` (a
parameter of the model, or a number) counted from receipt, or ``"from": "now"`` from the step's time.
So a case follows the model's parameters: changing a limit needs no edit of the test cases. Problems are
reported in Chinese with task names and Beijing times.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from app.clock import frozen_at, now
from app.process_model import parameters
from app.settings import local_long
from app.workflow.engine import CaseWorkflow
from app.workflow.registry import ModelBundle
from app.workflow.script_env import deadline

DEFAULT_START = {"case_id": 1, "case_no": "CP-TEST", "evaluation_level": 1, "real_name": True,
                 "responsible_org": "TEST"}


@dataclass
class DryRunResult:
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_all(bundle: ModelBundle, cases: list[dict[str, Any]],
            validate_form: Callable[[str, dict, dict, CaseWorkflow], dict] | None = None) -> list[DryRunResult]:
    return [run_case(bundle, case, validate_form) for case in cases]


def run_case(bundle: ModelBundle, case: dict[str, Any],
             validate_form: Callable[[str, dict, dict, CaseWorkflow], dict] | None = None) -> DryRunResult:
    result = DryRunResult(case.get("name", "?"))
    received = case["received_at"]
    names = _task_names(bundle)
    with frozen_at(current_app, datetime.fromisoformat(received)) as clock:
        workflow, steps = CaseWorkflow.start(bundle, {**DEFAULT_START, **case.get("data", {}),
                                                      "received_at": datetime.fromisoformat(received).isoformat()})
        outcomes = _outcomes(steps)
        for number, step in enumerate(case.get("steps", []), start=1):
            if "at" in step:
                clock.set(_moment(step["at"], received, workflow))
            if "tick" in step:
                clock.set(_moment(step["tick"], received, workflow))
                outcomes += _outcomes(workflow.fire_due_timers())
            if "task" in step:
                problem, new = _submit(workflow, step, validate_form, names)
                if problem:
                    result.problems.append(f"第 {number} 步（{names.get(step['task'], step['task'])}）：{problem}")
                    return result
                outcomes += new
            result.problems += [f"第 {number} 步：{p}" for p in _check(workflow, step.get("expect", {}), outcomes,
                                                                    names, received)]
        result.problems += [f"结束时：{p}" for p in _check(workflow, case.get("expect", {}), outcomes, names, received)]
    return result


def _task_names(bundle: ModelBundle) -> dict[str, str]:
    specs = [*bundle.spec.task_specs.values()]
    for sub in bundle.subprocess_specs.values():
        specs.extend(sub.task_specs.values())
    return {s.bpmn_id: s.bpmn_name for s in specs if getattr(s, "bpmn_id", None) and getattr(s, "bpmn_name", None)}


def _listed(ids, names: dict[str, str]) -> str:
    return "、".join(names.get(i, i) for i in sorted(ids)) or "无"


def _moment(rule: Any, received: str, workflow: CaseWorkflow) -> datetime:
    """A step's time: an instant, or a rule (a deadline, ``offset_working_days`` and ``hours_after`` it)."""
    if not isinstance(rule, dict):
        return datetime.fromisoformat(rule)
    due, _ = expected_due(rule, received, workflow)
    return datetime.fromisoformat(due) + timedelta(hours=float(rule.get("hours_after", 0)))


def expected_due(rule: Any, received: str, workflow: CaseWorkflow) -> tuple[str, str]:
    """The instant a test case expects, and how it was reckoned (empty for a written instant)."""
    if not isinstance(rule, dict):
        return rule, ""
    days = rule.get("working_days")
    if isinstance(days, str):
        value = workflow.bundle.parameters.get(days)
        if value is None:
            raise ValueError(f"模型没有参数 {days}")
        reading = f"{parameters.describe(days).label} {value} 个工作日"
    else:
        value, reading = int(days), f"{int(days)} 个工作日"
    value += int(rule.get("offset_working_days", 0))
    start = now().isoformat() if rule.get("from") == "now" else received
    origin = "当时" if rule.get("from") == "now" else "收到差评"
    return deadline(start, value), f"{reading}，从{origin}（{local_long(start)}）起算"


def _submit(workflow: CaseWorkflow, step: dict, validate_form, names) -> tuple[str | None, list[str]]:
    ready = [t for t in workflow.ready_human_tasks() if t.bpmn_id == step["task"]]
    if step.get("where"):
        ready = [t for t in ready if all(t.data.get(k) == v for k, v in step["where"].items())]
    if not ready:
        return f"该任务不在待办中（当前待办：{_listed([t.bpmn_id for t in workflow.ready_human_tasks()], names)}）", []
    task = ready[0]
    data = step.get("data", {})
    if validate_form is not None:
        errors = validate_form(task.properties.get("form", task.bpmn_id), data, task.data, workflow)
        if bool(errors) != bool(step.get("invalid")):
            return (f"表单校验结果不符：{errors}" if errors else "预期表单无效，实际通过"), []
        if errors:
            return None, []
    return None, _outcomes(workflow.complete(task.uuid, data))


def _outcomes(steps) -> list[str]:
    return [s.properties["outcome"] for s in steps if s.kind == "end" and s.properties.get("outcome")]


def _check(workflow: CaseWorkflow, expect: dict, outcomes: list[str], names: dict[str, str],
           received: str) -> list[str]:
    problems = []
    ready = workflow.ready_human_tasks()
    if "open_tasks" in expect and sorted(t.bpmn_id for t in ready) != sorted(expect["open_tasks"]):
        actual = _listed([t.bpmn_id for t in ready], names)
        problems.append(f"待办应为 {_listed(expect['open_tasks'], names)}，实为 {actual}")
    for task_id, rule in expect.get("due", {}).items():
        due, reading = expected_due(rule, received, workflow)
        actual = [t.data.get(t.properties.get("due", "")) for t in ready if t.bpmn_id == task_id]
        if not actual or datetime.fromisoformat(actual[0]) != datetime.fromisoformat(due):
            problems.append(f"“{names.get(task_id, task_id)}”的期限应为 {local_long(due)}"
                            + (f"（{reading}）" if reading else "")
                            + f"，实为 {local_long(actual[0]) if actual else '（该任务不在待办中）'}")
    data = workflow.current_data()
    for key, value in expect.get("data", {}).items():
        if data.get(key) != value:
            problems.append(f"数据 {key} 应为 {value!r}，实为 {data.get(key)!r}")
    if "outcome" in expect and (outcomes[-1:] or [None])[0] != expect["outcome"]:
        problems.append(f"结局应为 {expect['outcome']}，实为 {outcomes[-1] if outcomes else '（未结束）'}")
    if expect.get("completed") is not None and workflow.is_completed() != expect["completed"]:
        problems.append(f"流程{'应已' if expect['completed'] else '不应'}结束")
    return problems
