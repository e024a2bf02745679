"""A task's form schema (JSON Schema, see ``app.task.form_rules``) as the page shows it.

Three conversions: the schema → field descriptions for the form macros; the submitted HTML form →
typed task data for ``commands.complete_task``; submitted task data → readable label/value rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from app.settings import to_local

RADIO_LIMIT = 4  # enums with more options than this become a select
_LOCAL_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")
_EMPTY = object()
YES_NO = (("true", "是"), ("false", "否"))


@dataclass
class Condition:
    """``field`` (a sibling) equals ``value`` — or does not, with ``negate`` — so this field is required."""

    field: str
    value: Any
    negate: bool = False
    must_be_true: bool = False


@dataclass
class Field:
    name: str  # the HTML name: "report.findings" for nested fields
    label: str
    widget: str  # text textarea radio select checkbox yesno date datetime number list orgs group
    required: bool = False
    hint: str = ""
    description: str = ""
    maxlength: int | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    conditions: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    value: Any = ""

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def describe(schema: dict, *, values: MultiDict | None = None, errors: dict[str, list[str]] | None = None,
             org_options: list[tuple[str, str]] = ()) -> tuple[list[Field], list[str]]:
    """The form's fields with the typed values and the errors placed; returns (fields, errors of no field)."""
    fields = _fields(schema, "", values or MultiDict(), list(org_options))
    leftover = _place_errors(fields, errors or {})
    return fields, leftover


def _fields(schema: dict, prefix: str, values: MultiDict, org_options: list) -> list[Field]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    conditions = _conditions(schema)
    result = []
    for key, prop in properties.items():
        name = prefix + key
        item = Field(name=name, label=prop.get("title", key), widget=widget_of(prop, key in required),
                     required=key in required, description=prop.get("description", ""),
                     maxlength=prop.get("maxLength"), options=_options(prop, org_options))
        item.conditions = [{"field": prefix + c.field, "value": _form_value(c.value), "negate": c.negate}
                           for c in conditions.get(key, [])]
        item.hint = "；".join(_hint(c, properties) for c in conditions.get(key, []))
        if item.widget == "group":
            item.children = _fields(prop, name + ".", values, org_options)
        else:
            item.value = _current(item.widget, name, values)
        result.append(item)
    return result


def widget_of(prop: dict, required: bool = False) -> str:
    kind = prop.get("type")
    if kind == "object":
        return "group"
    if kind == "array":
        return "orgs" if prop.get("x-format") == "org-codes" else "list"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= RADIO_LIMIT else "select"
    if kind == "boolean":
        return "yesno" if required else "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") in ("date", "date-time"):
        return "date" if prop["format"] == "date" else "datetime"
    return "textarea" if prop.get("x-widget") == "textarea" else "text"


def _options(prop: dict, org_options: list) -> list[tuple[str, str]]:
    if prop.get("x-format") == "org-codes":
        return org_options
    if "enum" in prop:
        titles = prop.get("x-enum-titles") or []
        return [(str(v), titles[i] if i < len(titles) else str(v)) for i, v in enumerate(prop["enum"])]
    return list(YES_NO) if prop.get("type") == "boolean" else []


def _current(widget: str, name: str, values: MultiDict) -> Any:
    if widget == "orgs":
        return {"selected": values.getlist(name), "other": values.get(name + "__codes", "")}
    if widget == "checkbox":
        return values.get(name) in ("on", "true", "1")
    return values.get(name, "")


def _conditions(schema: dict) -> dict[str, list[Condition]]:
    """Fields required through ``allOf: [{if: {properties: {x: {const: v}}}, then: {required: [...]}}]``."""
    found: dict[str, list[Condition]] = {}
    for clause in schema.get("allOf") or []:
        tests = ((clause.get("if") or {}).get("properties") or {}).items()
        then = clause.get("then") or {}
        for subject, test in tests:
            negate = "not" in test
            target = test.get("not", {}) if negate else test
            if "const" not in target:
                continue
            for name in then.get("required") or []:
                must_be_true = ((then.get("properties") or {}).get(name) or {}).get("const") is True
                found.setdefault(name, []).append(Condition(subject, target["const"], negate, must_be_true))
    return found


def _hint(condition: Condition, properties: dict) -> str:
    subject = properties.get(condition.field) or {}
    shown = display(subject, condition.value)
    verb = "不是" if condition.negate else "为"
    need = "必须勾选" if condition.must_be_true else "必填"
    return f"当「{subject.get('title', condition.field)}」{verb}「{shown}」时{need}"


def _form_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _place_errors(fields: list[Field], errors: dict[str, list[str]]) -> list[str]:
    by_name = {f.name: f for f in _walk(fields)}
    leftover = []
    for key, messages in errors.items():
        target = _nearest(key, by_name)
        if target is None:
            leftover.extend(messages)
            continue
        for message in messages:
            shown = "请勾选确认" if target.widget == "checkbox" and message == "必填" else message
            target.errors.append(shown)
    return leftover


def _nearest(key: str, by_name: dict[str, Field]) -> Field | None:
    parts = key.split(".")
    while parts:
        found = by_name.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def _walk(fields: list[Field]):
    for item in fields:
        yield item
        yield from _walk(item.children)


# --- the submitted HTML form → task data ---------------------------------------------------------------

def parse(schema: dict, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    """Typed task data from the form; empty optional fields are left out so the schema can judge them."""
    data = {}
    required = set(schema.get("required") or [])
    for key, prop in (schema.get("properties") or {}).items():
        value = _value(prop, form, prefix + key, key in required)
        if value is not _EMPTY:
            data[key] = value
    return data


def _value(prop: dict, form: MultiDict, name: str, required: bool) -> Any:
    widget = widget_of(prop, required)
    if widget == "group":
        inner = parse(prop, form, name + ".")
        return inner if inner or required else _EMPTY
    if widget == "checkbox":
        return True if form.get(name) in ("on", "true", "1") else _EMPTY
    if widget in ("orgs", "list"):
        typed = [*form.getlist(name)] if widget == "orgs" else []
        typed += _CODE_SEPARATORS.split(form.get(name + "__codes" if widget == "orgs" else name, ""))
        items = list(dict.fromkeys(v.strip() for v in typed if v.strip()))
        return items or _EMPTY
    raw = form.get(name, "").strip()
    if not raw:
        return _EMPTY
    if widget == "yesno":
        return {"true": True, "false": False}.get(raw, raw)
    if widget == "datetime":
        return local_instant(raw)
    if widget == "number":
        return _number(raw, prop.get("type"))
    return raw


def local_instant(raw: str) -> str:
    """``2026-11-19T15:30`` from a datetime-local input → ``2026-11-19T15:30:00+08:00``."""
    if not _LOCAL_MINUTE.match(raw):
        return raw  # the schema's format check reports it
    return (raw if raw.count(":") == 2 else raw + ":00") + "+08:00"


def _number(raw: str, kind: str | None) -> Any:
    try:
        return int(raw) if kind == "integer" else float(raw)
    except ValueError:
        return raw


# --- task data → readable rows ------------------------------------------------------------------------

@dataclass
class Row:
    label: str
    text: str = ""
    rows: list[Row] = field(default_factory=list)


def readable(schema: dict | None, data: dict | None, org_names: dict[str, str] | None = None) -> list[Row]:
    """Submitted data as (label, text) rows in the form's order; keys the form does not know come last."""
    properties = (schema or {}).get("properties") or {}
    data = data or {}
    keys = [k for k in properties if k in data] + [k for k in data if k not in properties]
    rows = []
    for key in keys:
        prop, value = properties.get(key) or {}, data[key]
        if isinstance(value, dict):
            rows.append(Row(prop.get("title", key), rows=readable(prop, value, org_names)))
        else:
            rows.append(Row(prop.get("title", key), display(prop, value, org_names)))
    return rows


def display(prop: dict, value: Any, org_names: dict[str, str] | None = None) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        names = org_names or {}
        return "、".join(f"{names[v]}（{v}）" if v in names else str(v) for v in value)
    if "enum" in prop and value in prop["enum"]:
        titles = prop.get("x-enum-titles") or []
        index = prop["enum"].index(value)
        return titles[index] if index < len(titles) else str(value)
    if prop.get("format") == "date-time" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else value
    return "" if value is None else str(value)
