"""Policy profiles: the numbers that differ between provinces, set per deployment in one YAML file.

``config/policy/<profile>.yaml`` (config ``POLICY_PROFILE``, default ``jiangsu``; directory
``POLICY_DIR``) holds the profile's sources and its ``values``. The values the process model reads are
passed into every new case's start data as ``policy``; the model's ``init`` script applies them over
its own defaults, so a value the profile leaves out still follows the model. Changing the profile
changes the deadlines of new cases with no code change; running cases keep what they started with.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from jsonschema import Draft202012Validator

from app.settings import PROJECT_ROOT

DEFAULT_PROFILE = "jiangsu"
DEFAULT_DIR = PROJECT_ROOT / "config" / "policy"
MAX_BYTES = 100_000

# The values the bad-review model reads (its init script); the others serve intake and reporting.
MODEL_KEYS = ("sign_for_days", "appeal_window_days", "step_days", "review_days", "consult_days", "limit_days",
              "feedback_days", "return_visit_days", "close_out_days", "reminder_days_before", "revisit_limit")

_DAYS = {"type": "integer", "minimum": 0, "maximum": 365}
_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
SCHEMA = {
    "type": "object",
    "required": ["name", "title", "sources", "values"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
        "title": {"type": "string", "minLength": 1},
        "sources": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["document", "rules"], "additionalProperties": False,
            "properties": {"document": {"type": "string", "minLength": 1},
                           "year": {"type": ["integer", "null"]},
                           "rules": {"type": "array", "items": {"type": "string"}}}}},
        "values": {
            "type": "object", "additionalProperties": False,
            "properties": {
                **{key: _DAYS for key in MODEL_KEYS if key != "limit_days"},
                "limit_days": {"type": "object", "additionalProperties": False, "minProperties": 1,
                               "properties": {k: _DAYS for k in ("simple", "general", "complex")}},
                "rectify_days": {**_DAYS, "description": "单一整改时限：一个省对所有类别使用同一时限"},
                "evaluation_window_days": _DAYS,
                "evaluation_reminder_hours": {"type": "integer", "minimum": 1, "maximum": 720},
                "report_form_days": _DAYS,
                "return_visit": {"type": "object", "additionalProperties": False, "properties": {
                    "real_name_share": _SHARE, "rectification_sample_share": _SHARE,
                    "monthly_sample_min": {"type": "integer", "minimum": 0}}},
                "default_rating": {"oneOf": [{"type": "null"}, {
                    "type": "object", "required": ["after_natural_days", "level"], "additionalProperties": False,
                    "properties": {"after_natural_days": {"type": "integer", "minimum": 1, "maximum": 365},
                                   "level": {"type": "integer", "minimum": 1, "maximum": 5}}}]},
            },
        },
    },
}


class PolicyProfileError(ValueError):
    """A profile file that is missing or says something invalid."""


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    sources: tuple[dict[str, Any], ...]
    values: dict[str, Any]

    def process_values(self) -> dict[str, Any]:
        """What the model receives as ``policy``: the model's keys, a single rectification limit expanded."""
        values = {key: self.values[key] for key in MODEL_KEYS if key in self.values}
        if self.values.get("rectify_days") is not None:
            days = self.values["rectify_days"]
            values["limit_days"] = {"simple": days, "general": days, "complex": days}
        return values


def load(name: str, directory: Path | str = DEFAULT_DIR) -> Profile:
    path = Path(directory) / f"{name}.yaml"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise PolicyProfileError(f"政策配置 {name} 不存在（{path}）") from None
    return _load(str(path), stamp)


@lru_cache(maxsize=32)
def _load(path: str, stamp: int) -> Profile:
    text = Path(path).read_text(encoding="utf-8")
    if len(text.encode()) > MAX_BYTES:
        raise PolicyProfileError(f"{path}：文件过大")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyProfileError(f"{path}：不是有效的 YAML：{err}") from None
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '（顶层）'}：{e.message}"
                for e in Draft202012Validator(SCHEMA).iter_errors(raw)]
    if not problems and raw["name"] != Path(path).stem:
        problems.append(f"name: {raw['name']} 与文件名不一致")
    if not problems and "rectify_days" in raw["values"] and "limit_days" in raw["values"]:
        problems.append("values：rectify_days（单一整改时限）与 limit_days 只能写一个")
    if problems:
        raise PolicyProfileError(f"{path}：" + "；".join(problems))
    return Profile(raw["name"], raw["title"], tuple(raw["sources"]), raw["values"])


def available(directory: Path | str = DEFAULT_DIR) -> list[str]:
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))


def active() -> Profile:
    """The deployment's profile (config ``POLICY_PROFILE``)."""
    config = current_app.config
    return load(config.get("POLICY_PROFILE") or DEFAULT_PROFILE, config.get("POLICY_DIR") or DEFAULT_DIR)


def start_values() -> dict[str, Any]:
    """The ``policy`` entry of a new case's start data."""
    return active().process_values()
