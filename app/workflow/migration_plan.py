"""Moving one running workflow onto another version of its model, tried on a copy first.

Uses SpiffWorkflow's ``diff_workflow``/``migrate_workflow`` and is refused unless the copy still restores
on the new version with the same open tasks, the same data and the same armed timers: a move never
changes what anyone has to do, only the model later steps follow. The library's move drops the item a
multi-instance child was started with (a 会商 task's department), so the live tasks' data is carried over
by task id. A refusal names the task and the data that would differ.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.workflow.engine import CaseWorkflow
from app.workflow.registry import ModelBundle
from app.workflow.serializer import serializer


@dataclass
class MigrationPlan:
    movable: bool
    reasons: list[str] = field(default_factory=list)
    changed_tasks: list[str] = field(default_factory=list)
    workflow: CaseWorkflow | None = field(default=None, repr=False)  # the moved copy, when movable


def plan(workflow: CaseWorkflow, new: ModelBundle) -> MigrationPlan:
    """Tries the move on a copy of ``workflow``; the original is left untouched."""
    state, _ = workflow.dump()
    copy = CaseWorkflow.restore(workflow.bundle, state)
    try:
        top, subprocess_diffs = diff_workflow(serializer.registry, copy.wf, new.spec, new.subprocess_specs)
    except Exception as err:  # noqa: BLE001 - the library's alignment can fail on odd shapes
        return MigrationPlan(False, [f"无法比较两个版本：{type(err).__name__}: {err}"])
    reasons = [f"已执行或进行中的步骤“{t.task_spec.bpmn_name or t.task_spec.bpmn_id}”在新版本中已删除"
               for t in top.removed if t.task_spec.bpmn_id]
    for sub_id, sub_diff in subprocess_diffs.items():
        sub = copy.wf.subprocesses[sub_id]
        if sub_diff is None:
            reasons.append(f"子流程 {sub.spec.name} 在新版本中已删除")
        else:
            reasons += [f"子流程中的步骤“{t.task_spec.bpmn_name or t.task_spec.bpmn_id}”在新版本中已删除"
                        for t in sub_diff.removed if t.task_spec.bpmn_id]
    changed = sorted({t.task_spec.bpmn_id for t in top.changed if t.task_spec.bpmn_id}
                     | {t.task_spec.bpmn_id for d in subprocess_diffs.values() if d for t in d.changed
                        if t.task_spec.bpmn_id})
    if reasons:
        return MigrationPlan(False, reasons, changed)
    before = _snapshot(copy)
    live_data = {t.id: dict(t.data) for t in copy.wf.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    try:
        migrate_workflow(top, copy.wf, new.spec)
        for sub_id, sub_diff in subprocess_diffs.items():
            sub = copy.wf.subprocesses[sub_id]
            migrate_workflow(sub_diff, sub, new.subprocess_specs[sub.spec.name])
        copy.wf.subprocess_specs = new.subprocess_specs
        for task in copy.wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
            if task.id in live_data:
                task.data = dict(live_data[task.id])
        moved_state, _ = copy.dump()
        moved = CaseWorkflow.restore(new, moved_state)
    except Exception as err:  # noqa: BLE001 - any failure means the case stays where it is
        return MigrationPlan(False, [f"迁移失败：{type(err).__name__}: {err}"], changed)
    after = _snapshot(moved)
    if after != before:
        names = {t.bpmn_id: t.name for w in (moved, workflow) for t in w.ready_human_tasks()}
        return MigrationPlan(False, _differences(before, after, names), changed)
    return MigrationPlan(True, [], changed, moved)


def _snapshot(workflow: CaseWorkflow) -> dict[str, Any]:
    return {"tasks": sorted((t.uuid, t.bpmn_id, json.dumps(t.data, sort_keys=True, default=str))
                            for t in workflow.ready_human_tasks()),
            "timers": sorted((t.bpmn_id, t.due_at.isoformat()) for t in workflow.waiting_timers()),
            "completed": workflow.is_completed(),
            "errors": len(workflow.wf.get_tasks(state=TaskState.ERROR))}


def _changed_keys(old_json: str, new_json: str) -> str:
    old, new = json.loads(old_json), json.loads(new_json)
    return "、".join(sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))) or "—"


def _differences(before: dict[str, Any], after: dict[str, Any], names: dict[str, str]) -> list[str]:
    reasons = []
    if [t[:2] for t in before["tasks"]] != [t[:2] for t in after["tasks"]]:
        now, later = ("、".join(f"“{names.get(t[1]) or t[1]}”" for t in side["tasks"]) or "无"
                      for side in (before, after))
        reasons.append(f"迁移后待办任务会变化：现为{now}，迁移后为{later}")
    elif before["tasks"] != after["tasks"]:
        for old, new in zip(before["tasks"], after["tasks"], strict=True):
            if old != new:
                fields = _changed_keys(old[2], new[2])
                reasons.append(f"待办任务“{names.get(old[1]) or old[1]}”的数据迁移后会变化（字段：{fields}）")
    if before["timers"] != after["timers"]:
        reasons.append("迁移后定时器（提醒、期限）会变化")
    if before["completed"] != after["completed"] or before["errors"] != after["errors"]:
        reasons.append("迁移后流程状态会变化")
    return reasons
