"""Comparing model versions: the summary shown to policy staff, and moving a running case to a new version.

The summary is read from the XML (tasks added, removed or changed; literal time limits changed; forms
changed). Moving a case uses SpiffWorkflow's ``diff_workflow``/``migrate_workflow`` on a copy and is
refused unless the copy still restores on the new version with the same open tasks, the same data and
the same armed timers: a move never changes what anyone has to do, only the model later steps follow.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.workflow import xmlsafe
from app.workflow.engine import CaseWorkflow
from app.workflow.modelinfo import ModelInfo
from app.workflow.registry import ModelBundle
from app.workflow.serializer import serializer

CHANGE_LABELS = {"kind": "类型", "name": "名称", "lane": "泳道", "properties": "属性", "parent": "所在子流程",
                 "scripts": "脚本", "timers": "定时器", "conditions": "出口条件", "form": "表单"}


# -- the summary ------------------------------------------------------------------------------------

def summary(old_xml: str | None, old_forms: dict[str, Any] | None, new_xml: str, new_forms: dict[str, Any],
            process_id: str, *, against_version: int | None = None) -> dict[str, Any]:
    new = _describe(new_xml, new_forms, process_id)
    old = _describe(old_xml, old_forms or {}, process_id) if old_xml else {"nodes": {}, "limits": {}}
    added = [_label(new["nodes"][k]) for k in new["nodes"] if k not in old["nodes"]]
    removed = [_label(old["nodes"][k]) for k in old["nodes"] if k not in new["nodes"]]
    changed = []
    for key, after in new["nodes"].items():
        before = old["nodes"].get(key)
        if before is not None:
            fields = [CHANGE_LABELS[f] for f in CHANGE_LABELS if before.get(f) != after.get(f)]
            if fields:
                changed.append({**_label(after), "changes": fields})
    limits = [{"name": name, "from": old["limits"].get(name), "to": new["limits"].get(name)}
              for name in sorted(set(old["limits"]) | set(new["limits"]))
              if old["limits"].get(name) != new["limits"].get(name)]
    forms = sorted(name for name in set(old_forms or {}) | set(new_forms or {})
                   if (old_forms or {}).get(name) != (new_forms or {}).get(name)) if old_xml else []
    return {"against_version": against_version, "tasks_added": added, "tasks_removed": removed,
            "tasks_changed": changed, "limits_changed": limits if old_xml else [], "forms_changed": forms}


def describe_limits(xml: str, process_id: str) -> dict[str, Any]:
    return _describe(xml, {}, process_id)["limits"]


def _describe(xml: str, forms: dict[str, Any], process_id: str) -> dict[str, Any]:
    info = ModelInfo(xmlsafe.parse(xml), process_id)
    if info.process is None:
        return {"nodes": {}, "limits": {}}
    expressions: dict[str, dict[str, list[str]]] = {}
    for expression in info.expressions():
        group = "timers" if expression.kind.startswith("time") else "scripts"
        if expression.kind != "condition":
            expressions.setdefault(expression.element, {}).setdefault(group, []).append(expression.source.strip())
    conditions: dict[str, list[str]] = {}
    for _, source, target, condition in info.flows:
        conditions.setdefault(source, []).append(f"{target}:{condition or ''}")
    nodes = {}
    for node in info.nodes.values():
        form = forms.get(node.properties.get("form", node.id)) if node.kind in {"userTask", "manualTask"} else None
        nodes[node.id] = {"id": node.id, "kind": node.kind, "name": node.name, "lane": node.lane,
                          "parent": node.parent, "properties": node.properties,
                          "scripts": expressions.get(node.id, {}).get("scripts", []),
                          "timers": expressions.get(node.id, {}).get("timers", []),
                          "conditions": sorted(conditions.get(node.id, [])),
                          "form": json.dumps(form, sort_keys=True, ensure_ascii=False) if form else None}
    return {"nodes": nodes, "limits": info.limits()}


def _label(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "name": node["name"], "kind": node["kind"]}


# -- moving a running case ----------------------------------------------------------------------------

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
    reasons = [f"已执行或进行中的步骤 {t.task_spec.bpmn_id or t.task_spec.name} 在新版本中已删除"
               for t in top.removed if t.task_spec.bpmn_id]
    for sub_id, sub_diff in subprocess_diffs.items():
        sub = copy.wf.subprocesses[sub_id]
        if sub_diff is None:
            reasons.append(f"子流程 {sub.spec.name} 在新版本中已删除")
        else:
            reasons += [f"子流程中的步骤 {t.task_spec.bpmn_id} 在新版本中已删除"
                        for t in sub_diff.removed if t.task_spec.bpmn_id]
    changed = sorted({t.task_spec.bpmn_id for t in top.changed if t.task_spec.bpmn_id}
                     | {t.task_spec.bpmn_id for d in subprocess_diffs.values() if d for t in d.changed
                        if t.task_spec.bpmn_id})
    if reasons:
        return MigrationPlan(False, reasons, changed)
    before = _snapshot(copy)
    try:
        migrate_workflow(top, copy.wf, new.spec)
        for sub_id, sub_diff in subprocess_diffs.items():
            sub = copy.wf.subprocesses[sub_id]
            migrate_workflow(sub_diff, sub, new.subprocess_specs[sub.spec.name])
        copy.wf.subprocess_specs = new.subprocess_specs
        moved_state, _ = copy.dump()
        moved = CaseWorkflow.restore(new, moved_state)
    except Exception as err:  # noqa: BLE001 - any failure means the case stays where it is
        return MigrationPlan(False, [f"迁移失败：{type(err).__name__}: {err}"], changed)
    after = _snapshot(moved)
    if after != before:
        return MigrationPlan(False, _differences(before, after), changed)
    return MigrationPlan(True, [], changed, moved)


def _snapshot(workflow: CaseWorkflow) -> dict[str, Any]:
    return {"tasks": sorted((t.uuid, t.bpmn_id, json.dumps(t.data, sort_keys=True, default=str))
                            for t in workflow.ready_human_tasks()),
            "timers": sorted((t.bpmn_id, t.due_at.isoformat()) for t in workflow.waiting_timers()),
            "completed": workflow.is_completed(),
            "errors": len(workflow.wf.get_tasks(state=TaskState.ERROR))}


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    reasons = []
    if [t[:2] for t in before["tasks"]] != [t[:2] for t in after["tasks"]]:
        reasons.append("迁移后待办任务会变化")
    elif before["tasks"] != after["tasks"]:
        reasons.append("迁移后待办任务的数据会变化")
    if before["timers"] != after["timers"]:
        reasons.append("迁移后定时器（提醒、期限）会变化")
    if before["completed"] != after["completed"] or before["errors"] != after["errors"]:
        reasons.append("迁移后流程状态会变化")
    return reasons
