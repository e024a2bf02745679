"""Policy values that differ between provinces (profiles), and the yearly official calendar uploads.

``init_app(app)`` checks the configured profile at start-up, shows the calendar banner on every page
and keeps this process's calendar in step with the years policy staff stored.
"""
from __future__ import annotations

from flask import Flask

from app.policy import models  # noqa: F401  (the calendar_year table on the metadata)


def calendar_banner_context() -> dict[str, str]:
    """Context processor: ``calendar_banner`` (rendered by base.html) while an official year is missing."""
    from app.policy.calendar_years import banner

    text = banner()
    return {"calendar_banner": text} if text else {}


def init_app(app: Flask) -> None:
    from app.policy import calendar_years, profiles

    profiles.load(app.config.get("POLICY_PROFILE") or profiles.DEFAULT_PROFILE,
                  app.config.get("POLICY_DIR") or profiles.DEFAULT_DIR)  # a broken profile stops start-up
    app.context_processor(calendar_banner_context)

    @app.before_request
    def _refresh_calendar() -> None:
        calendar_years.refresh(app)
