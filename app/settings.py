"""Configuration loading: config/default.py, then config/<HCP_ENV>.py, then HCP_* environment variables.

Also the service's time zone helpers: instants are stored in UTC and shown in Asia/Shanghai.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class ConfigError(RuntimeError):
    pass


def load(app, overrides: dict | None = None) -> None:
    config_dir = Path(os.environ.get("HCP_CONFIG_DIR", PROJECT_ROOT / "config"))
    env = (overrides or {}).get("ENV") or os.environ.get("HCP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"HCP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    app.config.from_pyfile(str(config_dir / "default.py"))
    app.config.from_pyfile(str(config_dir / f"{env}.py"))
    app.config.from_prefixed_env("HCP")
    app.config.update(overrides or {})
    app.config["ENV"] = env
    if not app.config.get("DATABASE_URL"):
        instance = Path(app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / app.config['SQLITE_FILENAME']}"
    _check(app.config)


def _check(config) -> None:
    if config["ENV"] == "production":
        for key in ("SECRET_KEY", "DATA_KEYS"):
            if not config.get(key) or "insecure" in str(config.get(key)):
                raise ConfigError(f"HCP_{key} must be set to a real secret in production")


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def local_long(value: datetime | str | None) -> str:
    """A moment as people read it on a detail page or a report: 2026年12月7日 15:04 (Beijing time).
    ISO text (as kept in frozen figures) is read first."""
    if not value:
        return "—"
    moment = to_local(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
