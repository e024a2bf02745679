"""The structured editor of a user task's form: each field's label, help text, required flag and options,
edited as plain inputs and written back into the same JSON Schema the engine validates against. Anything
the editor does not show (types, formats, conditional rules, ``x-rules``) is kept as it was."""
from __future__ import annotations

import copy
import re
from typing import Any

TYPE_LABELS = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "多选",
               "object": "分组"}
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _options(field: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """Where a field keeps its choices: itself, or its items (a multiple choice)."""
    if isinstance(field.get("enum"), list):
        return field, "enum"
    items = field.get("items")
    if isinstance(items, dict) and isinstance(items.get("enum"), list):
        return items, "enum"
    return None


def rows(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """What the editor shows for each field."""
    required = set(schema.get("required") or [])
    result = []
    for key, field in (schema.get("properties") or {}).items():
        holder = _options(field)
        options = []
        if holder:
            values, titles = holder[0]["enum"], holder[0].get("x-enum-titles") or []
            options = [{"value": v, "title": titles[i] if i < len(titles) else str(v)} for i, v in enumerate(values)]
        result.append({"key": key, "title": field.get("title", key), "description": field.get("description", ""),
                       "type": TYPE_LABELS.get(field.get("type"), "其他"), "required": key in required,
                       "options": options, "has_options": holder is not None})
    return result


def apply(schema: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The schema with the editor's values; problems name the field in Chinese."""
    new = copy.deepcopy(schema)
    problems: list[dict[str, Any]] = []
    required = [k for k in new.get("required") or [] if k in (new.get("properties") or {})]
    for key, field in (new.get("properties") or {}).items():
        title = (form.get(f"{key}.title") or "").strip()
        if not title:
            problems.append({"element": key, "line": None, "message": f"字段“{field.get('title', key)}”的名称不能为空"})
        field["title"] = title or field.get("title", key)
        description = (form.get(f"{key}.description") or "").strip()
        if description:
            field["description"] = description[:500]
        else:
            field.pop("description", None)
        if form.get(f"{key}.required") and key not in required:
            required.append(key)
        elif not form.get(f"{key}.required") and key in required:
            required.remove(key)
        holder = _options(field)
        if holder:
            problems += _apply_options(holder[0], key, field["title"], form)
    if required:
        new["required"] = required
    else:
        new.pop("required", None)
    return new, problems


def _apply_options(holder: dict[str, Any], key: str, label: str, form: dict[str, str]) -> list[dict[str, Any]]:
    values, titles = list(holder["enum"]), list(holder.get("x-enum-titles") or [str(v) for v in holder["enum"]])
    kept_values, kept_titles = [], []
    for index, value in enumerate(values):
        if form.get(f"{key}.option.{index}.remove"):
            continue
        kept_values.append(value)
        kept_titles.append((form.get(f"{key}.option.{index}.title") or "").strip()
                           or (titles[index] if index < len(titles) else str(value)))
    problems = []
    new_title = (form.get(f"{key}.new.title") or "").strip()
    new_value = (form.get(f"{key}.new.value") or "").strip()
    if new_title or new_value:
        if not CODE.match(new_value):
            problems.append({"element": key, "line": None, "message": f"“{label}”新增选项的代码须为小写英文字母开头，"
                                                                      "只含小写字母、数字和下划线"})
        elif new_value in kept_values:
            problems.append({"element": key, "line": None, "message": f"“{label}”已有代码为 {new_value} 的选项"})
        elif not new_title:
            problems.append({"element": key, "line": None, "message": f"“{label}”新增选项须填写显示名称"})
        else:
            kept_values.append(new_value)
            kept_titles.append(new_title)
    if not kept_values:
        problems.append({"element": key, "line": None, "message": f"“{label}”至少要保留一个选项"})
    holder["enum"], holder["x-enum-titles"] = kept_values, kept_titles
    return problems
