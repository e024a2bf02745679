"""Starting many cases of one model version at once: run the start once, copy its state for every case.

New cases whose start data differ only in case-specific values (case id, case number, responsible unit)
reach the same start state as long as the start never looks at those values. The start runs once with a
placeholder in place of each of them; every case then gets a copy of the serialized state with its own
values put in and fresh task ids, plus the open tasks, waiting timers, finished steps and deadlines the
start produced. The copy is used only when no expression or script of the start mentioned a case-specific
name and the placeholders show up only as whole values; otherwise each case starts on its own (the same
result, the slower way).
"""
from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from app.workflow.engine import CaseWorkflow, HumanTask, StepRecord, WaitingTimer
from app.workflow.errors import WorkflowRuntimeError
from app.workflow.registry import ModelBundle
from app.workflow.script_env import recording_names
from app.workflow.serializer import SERIALIZER_VERSION


@dataclass(frozen=True)
class StartedCase:
    """A started case as the mirror code reads it: the same questions a ``CaseWorkflow`` answers."""

    state_json: str
    steps: list[StepRecord]
    human_tasks: list[HumanTask]
    timers: list[WaitingTimer]
    data: dict[str, Any]
    completed: bool
    calculations: list[dict[str, Any]]

    @classmethod
    def of(cls, workflow: CaseWorkflow, steps: list[StepRecord]) -> StartedCase:
        return cls(workflow.dump()[0], steps, workflow.ready_human_tasks(), workflow.waiting_timers(),
                   workflow.current_data(), workflow.is_completed(), list(workflow.calculations))

    def ready_human_tasks(self) -> list[HumanTask]:
        return list(self.human_tasks)

    def waiting_timers(self) -> list[WaitingTimer]:
        return list(self.timers)

    def current_data(self) -> dict[str, Any]:
        return dict(self.data)

    def is_completed(self) -> bool:
        return self.completed

    def dump(self) -> tuple[str, str]:
        return self.state_json, SERIALIZER_VERSION


class StartTemplate:
    """The start of one model version for one set of shared start data, reusable for many cases."""

    def __init__(self, bundle: ModelBundle, data: dict[str, Any], case_keys: Collection[str]):
        self.bundle = bundle
        self.data = dict(data)
        self.case_keys = tuple(case_keys)
        self.placeholders = {key: f"~start-value:{key}:{uuid.uuid4().hex}~" for key in self.case_keys}
        self.started: StartedCase | None = None

    @classmethod
    def build(cls, bundle: ModelBundle, data: dict[str, Any], case_keys: Collection[str]) -> StartTemplate:
        """Runs the start once with placeholders for ``case_keys`` (their values in ``data`` are not used;
        their position is kept, so a copy equals a start of its own byte for byte)."""
        template = cls(bundle, data, case_keys)
        template._run()
        return template

    @property
    def copyable(self) -> bool:
        return self.started is not None

    def _run(self) -> None:
        data = {key: self.placeholders.get(key, value) for key, value in self.data.items()}
        try:
            with recording_names() as mentioned:
                workflow, steps = CaseWorkflow.start(self.bundle, data)
        except WorkflowRuntimeError:
            return  # the start fails or depends on the case's values: each case starts on its own
        started = StartedCase.of(workflow, steps)
        text = started.state_json
        whole = all(text.count(p) == text.count(json.dumps(p)) for p in self.placeholders.values())
        if mentioned.isdisjoint(self.case_keys) and whole:
            self.started = started
            self._state = _Holes(text, _task_ids(json.loads(text)), self.placeholders)
            by_placeholder = {p: key for key, p in self.placeholders.items()}
            self._steps = [(s, _Filler(s.data, by_placeholder)) for s in started.steps]
            self._tasks = [(t, _Filler(t.data, by_placeholder)) for t in started.human_tasks]
            self._data = _Filler(started.data, by_placeholder)

    def instantiate(self, values: dict[str, Any]) -> StartedCase:
        """The started case for ``values`` (one value per case key): a copy, or a start of its own."""
        if self.started is None:
            workflow, steps = CaseWorkflow.start(self.bundle, {**self.data, **values})
            return StartedCase.of(workflow, steps)
        ids = self._state.new_ids()
        return StartedCase(
            state_json=self._state.fill(ids, values),
            steps=[replace(s, uuid=ids.get(s.uuid, s.uuid), data=fill(values)) for s, fill in self._steps],
            human_tasks=[replace(t, uuid=ids[t.uuid], data=fill(values)) for t, fill in self._tasks],
            timers=[replace(t, uuid=ids[t.uuid]) for t in self.started.timers],
            data=self._data(values), completed=self.started.completed, calculations=list(self.started.calculations))


class _Holes:
    """The serialized start cut at every task id and every placeholder, so a copy is one join."""

    def __init__(self, text: str, task_ids: set[str], placeholders: dict[str, str]):
        quoted = {json.dumps(p): key for key, p in placeholders.items()}
        pattern = re.compile("|".join(re.escape(s) for s in [*sorted(task_ids), *quoted]))
        self.literals: list[str] = []
        self.holes: list[tuple[bool, str]] = []  # (is a task id, the id or the case key)
        position = 0
        for match in pattern.finditer(text):
            self.literals.append(text[position:match.start()])
            found = match.group(0)
            self.holes.append((found in task_ids, found if found in task_ids else quoted[found]))
            position = match.end()
        self.tail = text[position:]
        self.task_ids = sorted(task_ids)

    def new_ids(self) -> dict[str, str]:
        """A fresh random (version 4) id for every task, from one read of the system's random source."""
        raw = os.urandom(16 * len(self.task_ids))
        return {old: str(uuid.UUID(bytes=raw[16 * i:16 * i + 16], version=4)) for i, old in enumerate(self.task_ids)}

    def fill(self, ids: dict[str, str], values: dict[str, Any]) -> str:
        encoded = {key: json.dumps(value) for key, value in values.items()}
        parts = []
        for literal, (is_task, name) in zip(self.literals, self.holes, strict=True):
            parts.append(literal)
            parts.append(ids[name] if is_task else encoded[name])
        parts.append(self.tail)
        return "".join(parts)


class _Filler:
    """Puts case values into a copy of some task data: at the top level where that is the only place
    placeholders sit (a shallow copy, like the engine's own answers), else everywhere."""

    def __init__(self, data: dict[str, Any], by_placeholder: dict[str, str]):
        self.data = data
        self.by_placeholder = by_placeholder
        self.top = {k: by_placeholder[v] for k, v in data.items() if isinstance(v, str) and v in by_placeholder}
        text = json.dumps(data, default=str)
        self.shallow = sum(text.count(p) for p in by_placeholder) == len(self.top)

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        if self.shallow:
            return {**self.data, **{k: values[key] for k, key in self.top.items()}}
        filled: dict[str, Any] = _put(self.data, {p: values[key] for p, key in self.by_placeholder.items()})
        return filled


def _task_ids(state: dict[str, Any]) -> set[str]:
    ids = set(state.get("tasks", {}))
    for sub in state.get("subprocesses", {}).values():
        ids |= _task_ids(sub)
    return ids


def _put(value: Any, swap: dict[str, Any]) -> Any:
    """``value`` with every placeholder replaced by its case value (task data is JSON-native)."""
    if isinstance(value, str):
        return swap.get(value, value)
    if isinstance(value, dict):
        return {k: _put(v, swap) for k, v in value.items()}
    if isinstance(value, list):
        return [_put(v, swap) for v in value]
    return value
