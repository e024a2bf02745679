"""The policy values outreach reads: the active policy profile (``app.policy.profiles``) first, then the
app config (``OUTREACH_*``), then the defaults of DOMAIN.md."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

_MISSING = object()


@dataclass(frozen=True)
class DefaultRating:
    after_days: int  # natural days after the service finished
    level: int


def _profile_values() -> dict[str, Any]:
    try:
        from app.policy import profiles
    except ImportError:  # a deployment without policy profiles
        return {}
    return profiles.active().values


def _value(profile_key: str, config_key: str, default: Any) -> Any:
    found = _profile_values().get(profile_key, _MISSING)
    if found is not _MISSING and found is not None:
        return found
    return current_app.config.get(f"OUTREACH_{config_key}", default)


def window_working_days() -> int:
    """Supplementary evaluation window: working days after the service day (Shandong, Jiangsu: 5)."""
    return int(_value("evaluation_window_days", "WINDOW_WORKING_DAYS", 5))


def reminder_after_hours() -> int:
    """One reminder this many hours after the service when there is no evaluation (Jiangsu: 24)."""
    return int(_value("evaluation_reminder_hours", "REMINDER_AFTER_HOURS", 24))


def default_rating() -> DefaultRating | None:
    """The default rating rule (Fujian: 满意 after 7 natural days); None where a profile says ``null``."""
    profile = _profile_values()
    if "default_rating" in profile and profile["default_rating"] is None:
        return None
    rule = profile.get("default_rating") or {}
    config = current_app.config
    return DefaultRating(after_days=int(rule.get("after_natural_days", config.get("OUTREACH_DEFAULT_AFTER_DAYS", 7))),
                         level=int(rule.get("level", config.get("OUTREACH_DEFAULT_LEVEL", 4))))


def return_visit(key: str, default: Any) -> Any:
    """``rectification_sample_share`` (0.2), ``monthly_sample_min`` (50) from the profile's return_visit."""
    found = (_profile_values().get("return_visit") or {}).get(key)
    return found if found is not None else current_app.config.get(f"OUTREACH_{key.upper()}", default)


def setting(name: str, default: Any) -> Any:
    """Operational settings that are not province policy (senders, retries, fraud thresholds, points)."""
    return current_app.config.get(f"OUTREACH_{name}", default)


def profile_title() -> str | None:
    """The active policy profile's title (e.g. 江苏省（江宁、太仓试点）), shown where its numbers apply."""
    try:
        from app.policy import profiles
    except ImportError:
        return None
    return profiles.active().title
