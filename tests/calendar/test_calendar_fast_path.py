"""The flat-span fast paths agree with stepping one day at a time.

``add_working_days`` and ``deadline`` answer most calls from a flat table over
the loaded years and keep one ``Deadline`` per working day; anything else
takes the per-year bisect path. These properties check both paths against a
day-by-day oracle built on ``is_working_day`` (which uses neither), on
calendars with full data, a gap, a single year and no data at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pickle
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendar import WorkingDayCalendar, YearData
from app.calendar.deadline import compute_deadline, due_instant

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
# No example database: nothing written into the work tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)

starts = st.dates(min_value=D(2017, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=400)


def step(calendar: WorkingDayCalendar, day: dt.date, delta: int, **extras) -> dt.date:
    """workalendar's day-by-day loop: the oracle."""
    one = dt.timedelta(days=1 if delta >= 0 else -1)
    found = 0
    while found < abs(delta):
        day += one
        if calendar.is_working_day(day, **extras):
            found += 1
    return day


def expected_deadline_date(calendar: WorkingDayCalendar, start: dt.date, n: int) -> dt.date:
    if n == 0 and calendar.is_working_day(start):
        return start
    return step(calendar, start, max(n, 1))


def years_without_data(calendar: WorkingDayCalendar, first: dt.date, last: dt.date) -> tuple[int, ...]:
    loaded = set(calendar.loaded_years)
    return tuple(year for year in range(first.year, last.year + 1) if year not in loaded)


@pytest.fixture(scope="module")
def calendars(official_years: list[YearData]) -> dict[str, WorkingDayCalendar]:
    """Shared across examples on purpose: the span and Deadline cache fill up as in service."""
    return {
        "full": WorkingDayCalendar(official_years),
        "gap 2021": WorkingDayCalendar([y for y in official_years if y.year != 2021]),
        "2026 only": WorkingDayCalendar([y for y in official_years if y.year == 2026]),
        "no data": WorkingDayCalendar(),
    }


CALENDAR_NAMES = ["full", "gap 2021", "2026 only", "no data"]


@pytest.mark.parametrize("name", CALENDAR_NAMES)
@PROPERTY
@given(start=starts, n=st.integers(min_value=-400, max_value=400))
def test_add_working_days_agrees_with_stepping(calendars, name: str, start: dt.date, n: int):
    calendar = calendars[name]
    assert calendar.add_working_days(start, n) == step(calendar, start, n)


@pytest.mark.parametrize("name", CALENDAR_NAMES)
@PROPERTY
@given(start=starts, n=counts)
def test_deadline_agrees_with_stepping_and_flags_years_without_data(
    calendars, name: str, start: dt.date, n: int
):
    calendar = calendars[name]
    result = calendar.deadline(start, n)
    expected = expected_deadline_date(calendar, start, n)
    missing = years_without_data(calendar, start, expected)
    assert result.date == expected
    assert result.missing_years == missing
    assert result.provisional is bool(missing)
    assert result.due_at == due_instant(expected, 24 * 60, SHANGHAI)
    assert result == compute_deadline(calendar, start, n)  # the general path, built afresh


@PROPERTY
@given(
    start=starts,
    n=st.integers(min_value=-40, max_value=40),
    working=st.lists(st.integers(min_value=-45, max_value=45), max_size=6),
    off=st.lists(st.integers(min_value=-45, max_value=45), max_size=6),
)
def test_extra_days_agree_with_stepping(calendars, start: dt.date, n: int, working, off):
    calendar = calendars["full"]
    extras = {
        "extra_working_days": [start + dt.timedelta(days=d) for d in working],
        "extra_holidays": [start + dt.timedelta(days=d) for d in off],
    }
    assert calendar.add_working_days(start, n, **extras) == step(calendar, start, n, **extras)


@PROPERTY
@given(instant=st.datetimes(min_value=dt.datetime(2017, 1, 1), max_value=dt.datetime(2028, 12, 31)), n=counts)
def test_an_aware_start_counts_from_its_shanghai_date(calendars, instant: dt.datetime, n: int):
    calendar = calendars["full"]
    aware = instant.replace(tzinfo=dt.UTC)
    assert calendar.deadline(aware, n) == calendar.deadline(aware.astimezone(SHANGHAI).date(), n)


@PROPERTY
@given(start=starts, n=st.integers(min_value=-400, max_value=400))
def test_keep_datetime_keeps_the_time_on_both_paths(calendars, start: dt.date, n: int):
    calendar = calendars["full"]
    moment = dt.datetime.combine(start, dt.time(9, 15))
    expected = step(calendar, start, n)
    assert calendar.add_working_days(moment, n, keep_datetime=True) == dt.datetime.combine(
        expected, dt.time(9, 15)
    )
    assert calendar.add_working_days(moment, n) == expected


def test_day_zero_is_the_day_itself_even_on_a_holiday(calendar: WorkingDayCalendar):
    # workalendar's rule for add_working_days; deadline() moves to the next working day.
    assert calendar.add_working_days(D(2026, 10, 1), 0) == D(2026, 10, 1)
    assert calendar.add_working_days(D(2026, 10, 1), 0, extra_holidays=[D(2026, 10, 8)]) == D(2026, 10, 1)
    assert calendar.deadline(D(2026, 10, 1), 0).date == D(2026, 10, 8)


def test_reloading_a_year_replaces_fast_answers_and_cached_deadlines(
    calendar: WorkingDayCalendar, official_years: list[YearData]
):
    assert calendar.deadline(D(2026, 9, 30), 5).date == D(2026, 10, 13)
    assert calendar.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    official = next(y for y in official_years if y.year == 2026)
    holidays = dict(official.holidays) | {D(2026, 10, 12): "synthetic holiday"}
    calendar.load_year(dataclasses.replace(official, holidays=holidays))
    assert calendar.deadline(D(2026, 9, 30), 5).date == D(2026, 10, 14)
    assert calendar.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 14)
    assert calendar.deadline(D(2026, 10, 9), 2).date == D(2026, 10, 13)


def test_loading_the_next_year_extends_the_fast_path_and_ends_provisional_results(
    calendar: WorkingDayCalendar,
):
    assert calendar.deadline(D(2026, 12, 28), 10).provisional
    new_year = [{"date": D(2027, 1, 1), "name": "元旦"}]
    calendar.load_year({"year": 2027, "notice": {"title": "synthetic"}, "holidays": new_year})
    result = calendar.deadline(D(2026, 12, 28), 10)
    assert (result.date, result.provisional, result.missing_years) == (D(2027, 1, 12), False, ())


def test_a_result_reaching_a_year_without_data_warns_once_via_add_working_days(
    calendar: WorkingDayCalendar, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="app.calendar"):
        calendar.deadline(D(2026, 9, 30), 5)  # inside the data: silent
        assert caplog.records == []
        assert calendar.add_working_days(D(2026, 12, 28), 10) == D(2027, 1, 12)
        calendar.add_working_days(D(2026, 12, 30), 20)
    assert len(caplog.records) == 1
    assert "2027" in caplog.records[0].getMessage()


def test_deadline_stays_a_frozen_comparable_picklable_dataclass(calendar: WorkingDayCalendar):
    result = calendar.deadline(D(2026, 9, 30), 5)
    assert dataclasses.is_dataclass(result)
    assert pickle.loads(pickle.dumps(result)) == result
    assert hash(result) == hash(dataclasses.replace(result))
    assert dataclasses.replace(result, provisional=True).provisional
    assert dataclasses.asdict(result)["date"] == D(2026, 10, 13)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.date = D(2026, 10, 14)  # type: ignore[misc]
