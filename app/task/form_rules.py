"""Validating submitted task data against the form schema that sits beside the model.

A form is a JSON Schema (types, allowed values, required and conditionally required fields) plus
``x-rules``: expressions of the model, evaluated with the case data, for rules a schema cannot say
("an appeal only inside the appeal window"). Every problem is reported at once, by field.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_format_checker = FormatChecker()


def validate(schema: dict[str, Any], data: Any, *, evaluate: Callable[[str, dict], Any],
             context: dict[str, Any], org_exists: Callable[[str], bool]) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {"data": ["必须是 JSON 对象"]}
    errors: dict[str, list[str]] = {}
    validator = Draft202012Validator(schema, format_checker=_format_checker)
    for error in validator.iter_errors(data):
        errors.setdefault(_field_of(error), []).append(_message(error, schema))
    if errors:
        return errors
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("x-format") == "org-codes" and name in data:
            unknown = [code for code in data[name] if not org_exists(code)]
            if unknown:
                errors.setdefault(name, []).append(f"机构编码不存在：{'、'.join(unknown)}")
    for rule in schema.get("x-rules", []):
        try:
            ok = evaluate(rule["expression"], {**context, **data})
        except Exception:  # noqa: BLE001 - a rule that cannot be evaluated is a failed rule, not a crash
            ok = False
        if not ok:
            errors.setdefault(rule.get("field", "data"), []).append(rule["message"])
    return errors


def _field_of(error) -> str:
    if error.validator == "required":
        # "'x' is a required property": name the missing field, not the object.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path = [*error.absolute_path, missing]
    elif error.validator == "additionalProperties":
        extras = error.message.split("'")[1] if "'" in error.message else "data"
        path = [*error.absolute_path, extras]
    else:
        path = list(error.absolute_path)
    return ".".join(str(p) for p in path) or "data"


def _message(error, schema: dict[str, Any]) -> str:
    kind = error.validator
    if kind == "required":
        return "必填"
    if kind == "enum":
        return f"取值无效，可选：{'、'.join(map(str, error.validator_value))}"
    if kind == "const":
        return "必须确认" if error.validator_value is True else f"必须为 {error.validator_value}"
    if kind == "type":
        return f"类型应为 {error.validator_value}"
    if kind == "maxLength":
        return f"不能超过 {error.validator_value} 字"
    if kind == "minLength":
        return "不能为空"
    if kind == "minItems":
        return f"至少 {error.validator_value} 项"
    if kind == "format":
        return f"格式应为 {error.validator_value}"
    if kind == "additionalProperties":
        return "表单中没有这个字段"
    return error.message
