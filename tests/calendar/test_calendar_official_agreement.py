"""The YAML data agrees with independent sources on every date 2018-2026."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import chinese_calendar
import pytest
from workalendar.asia import China

from app.calendar import WorkingDayCalendar

FIRST, LAST = dt.date(2018, 1, 1), dt.date(2026, 12, 31)
# 国办发明电〔2020〕1号 extended Spring Festival 2020; workalendar does not know it.
COVID_EXTENSION = {dt.date(2020, 1, 31), dt.date(2020, 2, 1)}
SHARED_JSON = Path(__file__).resolve().parents[3] / "shared" / "data" / "cn_workdays.json"


def every_day(first: dt.date, last: dt.date):
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


def test_every_date_from_2018_to_2026_agrees_with_chinesecalendar(calendar: WorkingDayCalendar):
    differing = [
        day
        for day in every_day(FIRST, LAST)
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert differing == []


def test_the_2020_covid_extension_days_are_off_although_workalendar_says_working(
    calendar: WorkingDayCalendar,
):
    with warnings.catch_warnings():
        # workalendar warns "Support years 2018-2023" and about lunardate deprecations.
        warnings.simplefilter("ignore")
        china = China()
        for day in sorted(COVID_EXTENSION):
            assert china.is_working_day(day), "workalendar changed: revisit the 2020 note"
            assert not calendar.is_working_day(day)
            assert not chinese_calendar.is_workday(day)


def test_workalendar_agrees_everywhere_in_2018_to_2023_except_the_covid_extension(
    calendar: WorkingDayCalendar,
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        china = China()
        differing = {
            day
            for day in every_day(FIRST, dt.date(2023, 12, 31))
            if calendar.is_working_day(day) != china.is_working_day(day)
        }
    assert differing == COVID_EXTENSION


def test_case_received_during_the_2020_extension_waits_for_3_february(calendar: WorkingDayCalendar):
    assert calendar.deadline(dt.date(2020, 1, 30), 1).date == dt.date(2020, 2, 3)
    assert calendar.deadline(dt.date(2020, 1, 31), 0).date == dt.date(2020, 2, 3)


def test_the_2020_file_documents_both_disputed_dates(calendar: WorkingDayCalendar):
    notes = calendar.year_data(2020).notes
    assert {note["date"] for note in notes} == COVID_EXTENSION
    assert all("国办发明电〔2020〕1号" in note["authority"] for note in notes)


@pytest.mark.skipif(not SHARED_JSON.exists(), reason="shared/data not checked out beside the repo")
def test_yaml_files_hold_exactly_the_dates_of_the_shared_source_data(calendar: WorkingDayCalendar):
    source = json.loads(SHARED_JSON.read_text(encoding="utf-8"))["years"]
    assert calendar.loaded_years == tuple(int(year) for year in source)
    for year, raw in source.items():
        data = calendar.year_data(int(year))
        holidays = {dt.date.fromisoformat(h["date"]): h["name"] for h in raw["holidays"]}
        assert dict(data.holidays) == holidays
        assert set(data.workdays) == {dt.date.fromisoformat(day) for day in raw["workdays"]}
