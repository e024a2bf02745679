"""The forms of the outreach pages: each described as a small JSON Schema so the shared form macros draw it
(labels tied to inputs, help and errors named by aria-describedby), and the submitted values checked with
Chinese messages before the services see them. The services keep their own checks."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.task import form_view

ANSWERS = (("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("unsatisfied", "不满意"))
DECISIONS = (("confirmed", "确认：刷评或恶意评价属实"), ("dismissed", "排除：正常评价"))
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

VISIT_FORM = {
    "type": "object",
    "required": ["reached"],
    "properties": {
        "reached": {"type": "boolean", "title": "联系到评价人"},
        "satisfaction": {"type": "string", "title": "评价人的满意程度", "enum": [v for v, _ in ANSWERS],
                         "x-enum-titles": [t for _, t in ANSWERS],
                         "description": "评价人对所评服务（差评的，对整改结果）是否满意"},
        "rating_confirmed": {"type": "boolean", "title": "评价人确认原评价属实"},
        "note": {"type": "string", "title": "回访记录", "maxLength": 500, "x-widget": "textarea",
                 "description": "联系时间、方式和评价人的原话；未联系到的，写明原因"},
    },
    "allOf": [{"if": {"properties": {"reached": {"const": True}}}, "then": {"required": ["satisfaction"]}}],
}

REVIEW_FORM = {
    "type": "object",
    "required": ["status", "note"],
    "properties": {
        "status": {"type": "string", "title": "核查结论", "enum": [v for v, _ in DECISIONS],
                   "x-enum-titles": [t for _, t in DECISIONS]},
        "note": {"type": "string", "title": "核查说明", "maxLength": 2000, "x-widget": "textarea",
                 "description": "核查了什么、依据是什么（预警只作提示，不改动任何评价）"},
    },
}


def _too_long(data: dict, key: str, limit: int, errors: dict) -> None:
    if len(data.get(key) or "") > limit:
        errors[key] = [f"不能超过 {limit} 字"]


# -- the return visit ---------------------------------------------------------------------------------

def visit_fields(values: MultiDict | None = None, errors: dict | None = None) -> tuple[list, list[str]]:
    return form_view.describe(VISIT_FORM, values=values, errors=errors)


def visit_data(form: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """The result as ``sampling.complete`` takes it; the answers only count when the evaluator was reached."""
    data = form_view.parse(VISIT_FORM, form)
    errors: dict[str, list[str]] = {}
    if not isinstance(data.get("reached"), bool):
        errors["reached"] = ["请选择是否联系到评价人"]
    if data.get("satisfaction") not in (None, *dict(ANSWERS)):
        errors["satisfaction"] = ["请从列出的选项中选择"]
    _too_long(data, "note", 500, errors)
    if data.get("reached") is False:
        data.pop("satisfaction", None)
        data.pop("rating_confirmed", None)
    return data, errors


# -- the review of a fraud signal: one form per open signal, its fields named after the signal ----------

def _prefix(signal_id: int) -> str:
    return f"s{signal_id}."


def review_fields(signal_id: int, form: MultiDict | None = None, errors: dict | None = None) -> list:
    prefix = _prefix(signal_id)
    values = MultiDict({key: (form or {}).get(prefix + key, "") for key in REVIEW_FORM["properties"]})
    fields, _ = form_view.describe(REVIEW_FORM, values=values, errors=errors)
    for field in fields:
        field.name = prefix + field.name
    return fields


def review_data(signal_id: int, form: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    data = form_view.parse(REVIEW_FORM, form, _prefix(signal_id))
    errors: dict[str, list[str]] = {}
    if data.get("status") not in dict(DECISIONS):
        errors["status"] = ["请选择核查结论"]
    if not data.get("note"):
        errors["note"] = ["请填写核查说明"]
    _too_long(data, "note", 2000, errors)
    return data, errors


# -- drawing a month ----------------------------------------------------------------------------------

def month_errors(month: str) -> dict[str, list[str]]:
    if not month:
        return {"month": ["请选择要抽取的月份"]}
    if not _MONTH.match(month):
        return {"month": ["月份格式应为 年-月，如 2026-10"]}
    return {}
