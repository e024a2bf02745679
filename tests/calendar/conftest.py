"""Fixtures for the working-day calendar tests."""

from __future__ import annotations

import pytest

from app.calendar import (
    DEFAULT_CALENDAR_DIR,
    WorkingDayCalendar,
    YearData,
    load_directory,
)


@pytest.fixture(scope="session")
def official_years() -> list[YearData]:
    """The repository's calendars/ parsed once; YearData is read-only."""
    return load_directory(DEFAULT_CALENDAR_DIR)


@pytest.fixture
def calendar(official_years: list[YearData]) -> WorkingDayCalendar:
    """A fresh calendar per test, so caches and warn-once state never leak."""
    return WorkingDayCalendar(official_years)
