"""Runs the JSON test cases kept beside a model (``bpmn/<model>.test.json``) on the engine alone.

Each case starts the process with given data at a given time, submits task data step by step (or
moves the clock so timers fire) and checks open tasks, due instants, data and the outcome reached.
Used by the test suite and, before a model is stored as deployable, by validation.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from app.clock import frozen_at
from app.workflow.engine import CaseWorkflow
from app.workflow.registry import ModelBundle

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
    with frozen_at(current_app, datetime.fromisoformat(received)) as clock:
        workflow, steps = CaseWorkflow.start(bundle, {**DEFAULT_START, **case.get("data", {}),
                                                      "received_at": datetime.fromisoformat(received).isoformat()})
        outcomes = _outcomes(steps)
        for number, step in enumerate(case.get("steps", []), start=1):
            if "at" in step:
                clock.set(datetime.fromisoformat(step["at"]))
            if "tick" in step:
                clock.set(datetime.fromisoformat(step["tick"]))
                outcomes += _outcomes(workflow.fire_due_timers())
            if "task" in step:
                problem, new = _submit(workflow, step, validate_form)
                if problem:
                    result.problems.append(f"第 {number} 步 {step['task']}：{problem}")
                    return result
                outcomes += new
            result.problems += [f"第 {number} 步：{p}" for p in _check(workflow, step.get("expect", {}), outcomes)]
        result.problems += [f"结束时：{p}" for p in _check(workflow, case.get("expect", {}), outcomes)]
    return result


def _submit(workflow: CaseWorkflow, step: dict, validate_form) -> tuple[str | None, list[str]]:
    ready = [t for t in workflow.ready_human_tasks() if t.bpmn_id == step["task"]]
    if step.get("where"):
        ready = [t for t in ready if all(t.data.get(k) == v for k, v in step["where"].items())]
    if not ready:
        return f"任务未处于待办（待办：{[t.bpmn_id for t in workflow.ready_human_tasks()]}）", []
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


def _check(workflow: CaseWorkflow, expect: dict, outcomes: list[str]) -> list[str]:
    problems = []
    ready = workflow.ready_human_tasks()
    if "open_tasks" in expect and sorted(t.bpmn_id for t in ready) != sorted(expect["open_tasks"]):
        problems.append(f"待办应为 {sorted(expect['open_tasks'])}，实为 {sorted(t.bpmn_id for t in ready)}")
    for task_id, due in expect.get("due", {}).items():
        actual = [t.data.get(t.properties.get("due", "")) for t in ready if t.bpmn_id == task_id]
        if not actual or datetime.fromisoformat(actual[0]) != datetime.fromisoformat(due):
            problems.append(f"{task_id} 的期限应为 {due}，实为 {actual[0] if actual else '（无此待办）'}")
    data = workflow.current_data()
    for key, value in expect.get("data", {}).items():
        if data.get(key) != value:
            problems.append(f"数据 {key} 应为 {value!r}，实为 {data.get(key)!r}")
    if "outcome" in expect and (outcomes[-1:] or [None])[0] != expect["outcome"]:
        problems.append(f"结局应为 {expect['outcome']}，实为 {outcomes[-1] if outcomes else '（未结束）'}")
    if expect.get("completed") is not None and workflow.is_completed() != expect["completed"]:
        problems.append(f"流程{'应已' if expect['completed'] else '不应'}结束")
    return problems
