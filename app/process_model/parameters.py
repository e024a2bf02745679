"""The rule parameters of a model: time limits and windows policy staff set in a form, not in code.

A model keeps them as data on its ``init`` script task (``spiffworkflow:property name="parameter:<name>"``);
the engine hands them to every new case as start data and the init script applies the deployment's
policy profile over them (``app.policy.profiles``: a value the profile lists wins, so the page says so).
This module knows what each parameter means (label, unit, allowed range, where the rule comes from),
reads the values from a model's XML and writes changed values back without touching anything else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.process_model.modelinfo import ModelInfo
from app.workflow import xmlsafe
from app.workflow.registry import PARAMETER_PREFIX

WORKING, NATURAL, TIMES = "工作日", "自然日", "次"


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    unit: str
    source: str
    minimum: int = 0
    maximum: int = 60
    profile_key: str | None = None  # the policy-profile value that replaces it where a profile sets one

    def show(self, value: Any) -> str:
        if value is None:
            return "（未设置）"
        if self.unit == WORKING and value == 0:
            return "当日（0 个工作日）"
        return f"{value} 个{self.unit}" if self.unit != TIMES else f"{value} 次"


GBT = "GB/T 39735-2020《政务服务评价工作指南》"
_JS = "江苏试点做法"
CATALOGUE: tuple[Parameter, ...] = (
    Parameter("sign_for_days", "签收响应时限", WORKING, "江宁：收到差评后 1 个工作日内签收或申诉", 0, 10,
              "sign_for_days"),
    Parameter("appeal_window_days", "申诉期限", WORKING, "江宁：被评价对象收到差评后 1 个工作日内申诉", 0, 10,
              "appeal_window_days"),
    Parameter("review_days", "申诉审核时限", WORKING, f"监督部门审核申诉（{_JS}：2 个工作日）", 1, 20, "review_days"),
    Parameter("verify_days", "核实时限", WORKING, f"受理后核实差评情况（{_JS}：1 个工作日）", 1, 20, "step_days"),
    Parameter("classify_days", "分类定级时限", WORKING, f"核实后分类定级（{_JS}：1 个工作日）", 1, 20, "step_days"),
    Parameter("step_days", "延期审批、督办时限", WORKING, "监督部门审批延期、下达督办意见", 1, 20, "step_days"),
    Parameter("limit_simple_days", "简易差评整改时限", WORKING, f"{GBT}：简易差评立整立改、当日答复", 0, 5,
              "limit_days.simple"),
    Parameter("limit_general_days", "一般差评整改时限", WORKING, f"{GBT}：一般差评限时整改，5 个工作日", 1, 30,
              "limit_days.general"),
    Parameter("limit_complex_days", "复杂差评整改时限", WORKING, f"{GBT}：复杂差评综合协调，15 个工作日", 1, 60,
              "limit_days.complex"),
    Parameter("consult_days", "会商时限", WORKING, f"复杂差评会商相关部门（{_JS}：3 个工作日）", 1, 20, "consult_days"),
    Parameter("feedback_days", "反馈时限", WORKING, f"整改完成后向评价人反馈（{_JS}：5 个工作日）", 1, 20,
              "feedback_days"),
    Parameter("return_visit_days", "回访时限", WORKING, f"反馈后回访评价人（{_JS}：5 个工作日）", 1, 30,
              "return_visit_days"),
    Parameter("close_out_days", "销号时限", WORKING, f"回访后监督部门销号（{_JS}：3 个工作日）", 1, 20,
              "close_out_days"),
    Parameter("reminder_days_before", "整改到期前提醒", WORKING, "整改期限前提前提醒承办人", 0, 10,
              "reminder_days_before"),
    Parameter("revisit_limit", "回访不满意重新整改次数上限", TIMES, "回访不满意退回整改，以一次为限", 0, 5,
              "revisit_limit"),
)
BY_KEY = {p.key: p for p in CATALOGUE}


def describe(key: str) -> Parameter:
    """A known parameter, or a plain description of one the catalogue does not know (an uploaded model's)."""
    return BY_KEY.get(key) or Parameter(key, f"模型参数 {key}", WORKING, "模型自定义参数", 0, 365)


def read(xml: str, process_id: str) -> dict[str, int | str]:
    """The parameter values written in a model, in catalogue order (a non-number is kept as text)."""
    info = ModelInfo(xmlsafe.parse(xml), process_id)
    found: dict[str, int | str] = {}
    for node in info.nodes.values():
        for name, value in node.properties.items():
            if name.startswith(PARAMETER_PREFIX):
                found.setdefault(name[len(PARAMETER_PREFIX):], _number(value))
    order = {p.key: i for i, p in enumerate(CATALOGUE)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def _number(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        return value


def problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    """What is wrong with parameter values, in Chinese, naming each field."""
    found = []
    for key, value in values.items():
        parameter = describe(key)
        if isinstance(value, bool) or not isinstance(value, int):
            found.append({"element": f"parameter:{key}", "line": None,
                          "message": f"{parameter.label}必须是整数（{parameter.unit}），不能是“{value}”"})
        elif not parameter.minimum <= value <= parameter.maximum:
            found.append({"element": f"parameter:{key}", "line": None,
                          "message": f"{parameter.label}须在 {parameter.minimum}–{parameter.maximum} "
                                     f"个{parameter.unit}之间，填写的是 {value}"})
    return found


def parse_form(form: dict[str, str], current: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Values typed into the page's form (text), checked; only the model's own parameters are read."""
    values: dict[str, Any] = {}
    for key in current:
        text = (form.get(key) or "").strip()
        values[key] = int(text) if re.fullmatch(r"-?\d{1,4}", text) else text
    return values, problems(values)


def write(xml: str, values: dict[str, int]) -> str:
    """The same XML with the given parameter values; every other byte stays as it was."""
    for key, value in values.items():
        pattern = re.compile(r'(<spiffworkflow:property\s+name="' + re.escape(PARAMETER_PREFIX + key)
                             + r'"\s+value=")[^"]*(")')
        xml, count = pattern.subn(lambda m, v=value: f"{m.group(1)}{int(v)}{m.group(2)}", xml)
        if count == 0:
            raise KeyError(key)
    return xml


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Changed values with their Chinese reading: “一般差评整改时限：5 个工作日 → 3 个工作日”."""
    rows = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            parameter = describe(key)
            rows.append({"key": key, "label": parameter.label, "from": old.get(key), "to": new.get(key),
                         "text": f"{parameter.label}：{parameter.show(old.get(key))} → {parameter.show(new.get(key))}"})
    return rows


def profile_override(parameter: Parameter, profile_values: dict[str, Any]) -> Any:
    """The value the policy profile sets instead of the model's (None when the profile leaves it to the model)."""
    if parameter.profile_key is None:
        return None
    if parameter.profile_key.startswith("limit_days.") and profile_values.get("rectify_days") is not None:
        return profile_values["rectify_days"]
    value: Any = profile_values
    for part in parameter.profile_key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def rows(values: dict[str, Any], profile_values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the page shows for each parameter."""
    result = []
    for key, value in values.items():
        parameter = describe(key)
        override = profile_override(parameter, profile_values)
        result.append({"key": key, "label": parameter.label, "unit": parameter.unit, "value": value,
                       "source": parameter.source, "minimum": parameter.minimum, "maximum": parameter.maximum,
                       "override": parameter.show(override) if override is not None else None})
    return result
