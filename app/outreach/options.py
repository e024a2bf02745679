"""The policy values outreach reads: the active policy profile (``app.policy.profiles``) first, then the
app config (``OUTREACH_*``, whose defaults — DOMAIN.md's — live in config/default.py only)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.policy import profiles

_MISSING = object()


@dataclass(frozen=True)
class DefaultRating:
    after_days: int  # natural days after the service finished
    level: int


def _profile_values() -> dict[str, Any]:
    return profiles.active().values


def _value(profile_key: str, config_key: str) -> Any:
    found = _profile_values().get(profile_key, _MISSING)
    if found is not _MISSING and found is not None:
        return found
    return setting(config_key)


def window_working_days() -> int:
    """Supplementary evaluation window: working days after the service day (Shandong, Jiangsu: 5)."""
    return int(_value("evaluation_window_days", "WINDOW_WORKING_DAYS"))


def reminder_after_hours() -> int:
    """One reminder this many hours after the service when there is no evaluation (Jiangsu: 24)."""
    return int(_value("evaluation_reminder_hours", "REMINDER_AFTER_HOURS"))


def default_rating() -> DefaultRating | None:
    """The default rating rule (Fujian: 满意 after 7 natural days); None where a profile says ``null``."""
    profile = _profile_values()
    if "default_rating" in profile and profile["default_rating"] is None:
        return None
    rule = profile.get("default_rating") or {}
    return DefaultRating(after_days=int(rule.get("after_natural_days", setting("DEFAULT_AFTER_DAYS"))),
                         level=int(rule.get("level", setting("DEFAULT_LEVEL"))))


def return_visit(key: str) -> Any:
    """``rectification_sample_share``, ``monthly_sample_min`` from the profile's return_visit, else the config."""
    found = (_profile_values().get("return_visit") or {}).get(key)
    return found if found is not None else setting(key.upper())


def setting(name: str) -> Any:
    """An ``OUTREACH_*`` setting (senders, retries, fraud thresholds, points, sampling); config/default.py
    defines every one, so a missing name is a programming error, not a silent default."""
    return current_app.config[f"OUTREACH_{name}"]


def profile_title() -> str | None:
    """The active policy profile's title (e.g. 江苏省（江宁、太仓试点）), shown where its numbers apply."""
    return profiles.active().title
