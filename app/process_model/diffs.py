"""Comparing model versions: the summary shown to policy staff.

The summary is read from the XML (tasks added, removed or changed; literal time limits changed; forms
changed). Moving a running case to a new version is ``app.workflow.migration_plan``.
"""
from __future__ import annotations

import json
from typing import Any

from app.process_model import parameters
from app.process_model.modelinfo import ModelInfo
from app.workflow import xmlsafe
from app.workflow.registry import PARAMETER_PREFIX

CHANGE_LABELS = {"kind": "类型", "name": "名称", "lane": "泳道", "properties": "属性", "parent": "所在子流程",
                 "scripts": "脚本", "timers": "定时器", "conditions": "出口条件", "form": "表单"}


def summary(old_xml: str | None, old_forms: dict[str, Any] | None, new_xml: str, new_forms: dict[str, Any],
            process_id: str, *, against_version: int | None = None) -> dict[str, Any]:
    new = _describe(new_xml, new_forms, process_id)
    old = _describe(old_xml, old_forms or {}, process_id) if old_xml else {"nodes": {}, "limits": {}, "parameters": {}}
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
            "tasks_changed": changed, "limits_changed": limits if old_xml else [], "forms_changed": forms,
            "parameters_changed": parameters.changes(old["parameters"], new["parameters"]) if old_xml else []}


def describe_limits(xml: str, process_id: str) -> dict[str, Any]:
    return _describe(xml, {}, process_id)["limits"]


def _describe(xml: str, forms: dict[str, Any], process_id: str) -> dict[str, Any]:
    info = ModelInfo(xmlsafe.parse(xml), process_id)
    if info.process is None:
        return {"nodes": {}, "limits": {}, "parameters": {}}
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
                          "parent": node.parent,
                          "properties": {k: v for k, v in node.properties.items()
                                         if not k.startswith(PARAMETER_PREFIX)},  # shown as parameters
                          "scripts": expressions.get(node.id, {}).get("scripts", []),
                          "timers": expressions.get(node.id, {}).get("timers", []),
                          "conditions": sorted(conditions.get(node.id, [])),
                          "form": json.dumps(form, sort_keys=True, ensure_ascii=False) if form else None}
    return {"nodes": nodes, "limits": info.limits(), "parameters": parameters.read(xml, process_id)}


def _label(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "name": node["name"], "kind": node["kind"]}
