"""The model registry clients of tests/process_model, and a private calendar per test (uploads change it)."""
from __future__ import annotations

import pytest

from app.calendar import WorkingDayCalendar
from tests.process_model.conftest import api, signed_in  # noqa: F401  (shared fixtures)


@pytest.fixture
def private_calendar(app):
    """Each test loads years into its own copy of the calendar; the session's stays as shipped."""
    original = app.extensions["calendar"]
    copy = WorkingDayCalendar([original.year_data(y) for y in original.loaded_years],
                              timezone=original.timezone)
    copy.cutoff_minutes = original.cutoff_minutes
    app.extensions["calendar"] = copy
    app.extensions.pop("policy_calendar_checksums", None)
    app.extensions.pop("policy_calendar_refresh", None)
    yield copy
    app.extensions["calendar"] = original
    app.extensions.pop("policy_calendar_checksums", None)
    app.extensions.pop("policy_calendar_refresh", None)
