"""The registry app fixtures of tests/process_model, and a private calendar per test (uploads change it)."""
from __future__ import annotations

import pytest

from app.calendar import WorkingDayCalendar
from tests.process_model.conftest import api, registry_app, signed_in  # noqa: F401  (shared fixtures)


@pytest.fixture
def private_calendar(app, registry_app):  # noqa: F811 - the imported fixture
    """Each test loads years into its own copy of the calendar; the session's stays as shipped."""
    original = app.extensions["calendar"]
    copy = WorkingDayCalendar([original.year_data(y) for y in original.loaded_years],
                              timezone=original.timezone)
    copy.cutoff_minutes = original.cutoff_minutes
    for target in {id(app): app, id(registry_app): registry_app}.values():
        target.extensions["calendar"] = copy
        target.extensions.pop("policy_calendar_checksums", None)
        target.extensions.pop("policy_calendar_refresh", None)
    yield copy
    for target in {id(app): app, id(registry_app): registry_app}.values():
        target.extensions["calendar"] = original
        target.extensions.pop("policy_calendar_checksums", None)
        target.extensions.pop("policy_calendar_refresh", None)
