"""The workalendar-compatible methods follow our data, and the bisect jumps
give the same answers as stepping one day at a time."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from workalendar.core import Calendar

from app.calendar import WorkingDayCalendar

D = dt.date


def step_reference(calendar: WorkingDayCalendar, day: dt.date, delta: int, **extras) -> dt.date:
    """workalendar's original day-by-day loop, as the oracle."""
    step = dt.timedelta(days=1 if delta >= 0 else -1)
    found = 0
    while found < abs(delta):
        day += step
        if calendar.is_working_day(day, **extras):
            found += 1
    return day


def test_calendar_is_a_workalendar_calendar(calendar: WorkingDayCalendar):
    assert isinstance(calendar, Calendar)


def test_holidays_lists_the_official_days_with_their_names(calendar: WorkingDayCalendar):
    holidays = calendar.holidays(2026)
    assert (D(2026, 10, 1), "国庆节") in holidays
    assert (D(2026, 2, 15), "春节") in holidays
    assert len(holidays) == 33
    assert calendar.get_holiday_label(D(2020, 2, 1)) == "春节（延长假期）"


def test_holidays_without_a_year_is_refused_rather_than_reading_the_clock(calendar: WorkingDayCalendar):
    with pytest.raises(TypeError):
        calendar.holidays()


def test_is_holiday_means_official_holiday_not_weekend(calendar: WorkingDayCalendar):
    assert calendar.is_holiday(D(2026, 10, 3))  # Saturday inside the span
    assert not calendar.is_holiday(D(2026, 10, 11))  # ordinary Sunday
    assert not calendar.is_holiday(D(2026, 10, 10))  # 调休 Saturday
    assert calendar.is_holiday(D(2026, 10, 12), extra_holidays=[D(2026, 10, 12)])


def test_extra_working_days_add_to_the_official_ones_instead_of_replacing_them(
    calendar: WorkingDayCalendar,
):
    # workalendar.asia.China drops its 调休 list when extras are passed.
    extra = [D(2026, 10, 11)]
    assert calendar.is_working_day(D(2026, 10, 10), extra_working_days=extra)
    assert calendar.add_working_days(D(2026, 10, 9), 1, extra_working_days=extra) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 10, 9), 2, extra_working_days=extra) == D(2026, 10, 11)


def test_extra_working_days_win_over_extra_holidays(calendar: WorkingDayCalendar):
    day = D(2026, 10, 12)
    assert not calendar.is_working_day(day, extra_holidays=[day])
    assert calendar.is_working_day(day, extra_working_days=[day], extra_holidays=[day])


def test_sub_working_days_goes_back_across_the_golden_week(calendar: WorkingDayCalendar):
    assert calendar.sub_working_days(D(2026, 10, 8), 1) == D(2026, 9, 30)
    assert calendar.sub_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert calendar.add_working_days(D(2026, 10, 13), -5) == D(2026, 9, 30)
    assert calendar.sub_working_days(D(2019, 1, 2), 1) == D(2018, 12, 29)


def test_working_days_delta_counts_days_after_start_up_to_end(calendar: WorkingDayCalendar):
    assert calendar.get_working_days_delta(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert calendar.get_working_days_delta(D(2026, 10, 13), D(2026, 9, 30)) == 5
    assert calendar.get_working_days_delta(D(2026, 9, 30), D(2026, 10, 13), include_start=True) == 6
    assert calendar.get_working_days_delta(D(2026, 10, 1), D(2026, 10, 13), include_start=True) == 5
    assert calendar.get_working_days_delta(D(2026, 9, 30), D(2026, 9, 30), include_start=True) == 0


def test_working_days_delta_over_nine_years_matches_chinesecalendar(calendar: WorkingDayCalendar):
    first, last = D(2018, 1, 1), D(2026, 12, 31)
    expected = len(chinese_calendar.get_workdays(first + dt.timedelta(days=1), last))
    assert calendar.get_working_days_delta(first, last) == expected


def test_working_days_delta_honours_extra_days(calendar: WorkingDayCalendar):
    start, end = D(2026, 9, 30), D(2026, 10, 13)
    assert calendar.get_working_days_delta(start, end, extra_working_days=[D(2026, 10, 11)]) == 6
    assert calendar.get_working_days_delta(start, end, extra_holidays=[D(2026, 10, 12)]) == 4


def test_keep_datetime_keeps_the_time_of_day(calendar: WorkingDayCalendar):
    start = dt.datetime(2026, 9, 30, 9, 15)
    assert calendar.add_working_days(start, 5, keep_datetime=True) == dt.datetime(2026, 10, 13, 9, 15)
    assert calendar.add_working_days(start, 5) == D(2026, 10, 13)


@pytest.mark.parametrize("delta", [1, 5, 15, 250, 600, -1, -5, -15, -250])
def test_bisect_jumps_agree_with_stepping_day_by_day(calendar: WorkingDayCalendar, delta: int):
    for offset in range(0, 9 * 365, 11):
        start = D(2018, 1, 1) + dt.timedelta(days=offset)
        assert calendar.add_working_days(start, delta) == step_reference(calendar, start, delta), start


@pytest.mark.parametrize("delta", [1, 3, 8, -1, -3, -8])
def test_jumps_with_extra_days_agree_with_stepping_day_by_day(calendar: WorkingDayCalendar, delta: int):
    extras = {
        "extra_working_days": [D(2026, 10, 3), D(2026, 10, 11), D(2026, 10, 13)],
        "extra_holidays": [D(2026, 10, 9), D(2026, 10, 13), D(2026, 9, 29)],
    }
    for offset in range(-12, 20):
        start = D(2026, 10, 1) + dt.timedelta(days=offset)
        expected = step_reference(calendar, start, delta, **extras)
        assert calendar.add_working_days(start, delta, **extras) == expected, start
