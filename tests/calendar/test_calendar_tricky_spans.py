"""Hand-checked spans around Spring Festival, golden weeks and year ends.

Each expectation was counted by hand from the State Council notices.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.calendar import WorkingDayCalendar

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 2, 4), True),  # Sunday, 春节调休
        (D(2024, 2, 9), True),  # Friday, 除夕 was not yet a statutory holiday in 2024
        (D(2024, 2, 10), False),
        (D(2024, 2, 17), False),  # Saturday, last day of the span
        (D(2024, 2, 18), True),  # Sunday, 春节调休
        (D(2025, 1, 26), True),  # Sunday, 春节调休
        (D(2025, 1, 28), False),  # 除夕, statutory from 2025 on
        (D(2025, 2, 4), False),
        (D(2025, 2, 8), True),  # Saturday, 春节调休
        (D(2026, 2, 14), True),  # Saturday, 春节调休
        (D(2026, 2, 15), False),  # Sunday, first day of the nine-day span
        (D(2026, 2, 23), False),  # Monday, last day of the span
        (D(2026, 2, 28), True),  # Saturday, 春节调休
        (D(2018, 12, 29), True),  # Saturday, 调休 for 2019 元旦
        (D(2019, 1, 1), False),
        (D(2026, 1, 4), True),  # Sunday, 元旦调休
        (D(2026, 9, 20), True),  # Sunday, 国庆节调休 (not 中秋节)
        (D(2026, 10, 10), True),  # Saturday, 国庆节调休
        (D(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_official_status_of_tricky_dates(calendar: WorkingDayCalendar, day: dt.date, working: bool):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Spring Festival 2024: off 10-17 Feb, Sundays 4 and 18 Feb worked.
        (D(2024, 2, 2), 1, D(2024, 2, 4)),
        (D(2024, 2, 8), 1, D(2024, 2, 9)),
        (D(2024, 2, 8), 2, D(2024, 2, 18)),
        (D(2024, 2, 8), 3, D(2024, 2, 19)),
        # Spring Festival 2025: off 28 Jan - 4 Feb, Sun 26 Jan and Sat 8 Feb worked.
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 24), 2, D(2025, 1, 27)),
        (D(2025, 1, 24), 3, D(2025, 2, 5)),
        (D(2025, 1, 24), 6, D(2025, 2, 8)),
        (D(2025, 1, 24), 7, D(2025, 2, 10)),
        # Spring Festival 2026: off 15-23 Feb, Saturdays 14 and 28 Feb worked.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
    ],
)
def test_spring_festival_spans(calendar: WorkingDayCalendar, start: dt.date, n: int, expected: dt.date):
    assert calendar.add_working_days(start, n) == expected
    assert calendar.deadline(start, n).date == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2023: 中秋节、国庆节 29 Sep - 6 Oct, then Sat 7 and Sun 8 Oct worked.
        (D(2023, 9, 28), 1, D(2023, 10, 7)),
        (D(2023, 9, 28), 2, D(2023, 10, 8)),
        (D(2023, 9, 28), 3, D(2023, 10, 9)),
        # 2024: off 1-7 Oct, Sun 29 Sep and Sat 12 Oct worked.
        (D(2024, 9, 27), 1, D(2024, 9, 29)),
        (D(2024, 9, 27), 3, D(2024, 10, 8)),
        (D(2024, 10, 11), 1, D(2024, 10, 12)),
        # 2025: 国庆节、中秋节 1-8 Oct, Sun 28 Sep and Sat 11 Oct worked.
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 26), 4, D(2025, 10, 9)),
        (D(2025, 9, 26), 6, D(2025, 10, 11)),
    ],
)
def test_national_day_golden_weeks(calendar: WorkingDayCalendar, start: dt.date, n: int, expected: dt.date):
    assert calendar.add_working_days(start, n) == expected


def test_general_case_received_before_golden_week_is_due_on_13_october(calendar: WorkingDayCalendar):
    # 1-7 Oct 2026 off, Sat 10 Oct worked: 8, 9, 10, 12, 13 Oct.
    assert calendar.deadline(D(2026, 9, 30), 5).date == D(2026, 10, 13)


def test_complex_case_received_before_golden_week_is_due_on_27_october(calendar: WorkingDayCalendar):
    assert calendar.deadline(D(2026, 9, 30), 15).date == D(2026, 10, 27)


def test_working_saturday_before_2019_new_year_counts_and_the_holiday_does_not(
    calendar: WorkingDayCalendar,
):
    assert calendar.add_working_days(D(2018, 12, 28), 1) == D(2018, 12, 29)
    assert calendar.add_working_days(D(2018, 12, 28), 2) == D(2019, 1, 2)


def test_new_year_2023_span_crosses_the_year_boundary(calendar: WorkingDayCalendar):
    # 2022-12-31 to 2023-01-02 off (the Saturday is keyed under 2022).
    assert calendar.add_working_days(D(2022, 12, 30), 1) == D(2023, 1, 3)


def test_last_day_of_2025_is_followed_by_the_working_sunday_of_4_january_2026(
    calendar: WorkingDayCalendar,
):
    assert calendar.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)


def test_zero_days_on_a_working_day_is_that_same_day(calendar: WorkingDayCalendar):
    assert calendar.deadline(D(2026, 10, 10), 0).date == D(2026, 10, 10)  # 调休 Saturday
    assert calendar.deadline(D(2026, 10, 13), 0).date == D(2026, 10, 13)


def test_zero_days_on_a_holiday_is_the_next_working_day(calendar: WorkingDayCalendar):
    assert calendar.deadline(D(2026, 10, 1), 0).date == D(2026, 10, 8)
    assert calendar.deadline(D(2026, 2, 15), 0).date == D(2026, 2, 24)


def test_zero_days_on_a_weekend_is_the_next_working_day(calendar: WorkingDayCalendar):
    assert calendar.deadline(D(2026, 10, 11), 0).date == D(2026, 10, 12)
    assert calendar.deadline(D(2025, 12, 27), 0).date == D(2025, 12, 29)
