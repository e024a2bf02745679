"""Official Chinese working-day calendar (法定节假日 and 调休) and the deadline rule.

Data lives in ``calendars/YYYY.yaml``; ``init_app`` loads it once per Flask app
and ``get_calendar()`` returns it inside an app context::

    calendar = get_calendar()
    calendar.is_working_day(date(2026, 10, 10))   # True: 调休 Saturday
    calendar.deadline(received_at, 5)             # Deadline(date=..., due_at=..., ...)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from .data import (
    CalendarDataError,
    Notice,
    YearData,
    load_directory,
    load_file,
    parse_year,
)
from .deadline import DEFAULT_CUTOFF, DEFAULT_TIMEZONE, Deadline, compute_deadline
from .workdays import CalendarStatus, WorkingDayCalendar

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "DEFAULT_CALENDAR_DIR",
    "CalendarDataError",
    "CalendarStatus",
    "Deadline",
    "Notice",
    "WorkingDayCalendar",
    "YearData",
    "compute_deadline",
    "get_calendar",
    "init_app",
    "load_directory",
    "load_file",
    "parse_year",
]

EXTENSION_KEY = "calendar"
# The repository's calendars/ directory (app/calendar/__init__.py -> repo root).
DEFAULT_CALENDAR_DIR = Path(__file__).resolve().parents[2] / "calendars"


def init_app(app: Flask) -> WorkingDayCalendar:
    """Load the calendar at start-up so bad data fails fast, not on the first case.

    Config: ``CALENDAR_DIR`` (default: the repo's ``calendars/``),
    ``CALENDAR_CUTOFF`` (default "24:00"), ``TIMEZONE`` (default Asia/Shanghai).
    """
    directory = app.config.get("CALENDAR_DIR") or DEFAULT_CALENDAR_DIR
    calendar = WorkingDayCalendar.from_directory(
        directory,
        cutoff=app.config.get("CALENDAR_CUTOFF", DEFAULT_CUTOFF),
        timezone=app.config.get("TIMEZONE", DEFAULT_TIMEZONE),
    )
    app.extensions[EXTENSION_KEY] = calendar
    return calendar


def get_calendar() -> WorkingDayCalendar:
    """The current app's calendar (requires an app context and ``init_app``)."""
    calendar: WorkingDayCalendar = current_app.extensions[EXTENSION_KEY]
    return calendar
