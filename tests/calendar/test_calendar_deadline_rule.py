"""The deadline rule: local date, cutoff, validation and provisional results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.calendar import Deadline, WorkingDayCalendar, YearData
from app.calendar.deadline import due_instant, parse_cutoff

D = dt.date
UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")

SYNTHETIC_2027 = textwrap.dedent(
    """\
    # Synthetic test data, NOT the official 2027 calendar.
    year: 2027
    notice:
      title: synthetic 2027 notice for tests
      doc: null
    holidays:
      - date: 2027-01-01
        name: 元旦
      - date: 2027-01-11
        name: synthetic test holiday
    workdays: []
    """
)


def write_2027(tmp_path: Path) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(SYNTHETIC_2027, encoding="utf-8")
    return path


def test_deadline_is_a_frozen_dataclass_with_an_aware_utc_due_instant(calendar: WorkingDayCalendar):
    result = calendar.deadline(D(2026, 9, 30), 5)
    assert result == Deadline(D(2026, 10, 13), dt.datetime(2026, 10, 13, 16, 0, tzinfo=UTC), False, ())
    assert result.due_at.utcoffset() == dt.timedelta(0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.provisional = True  # type: ignore[misc]


def test_default_cutoff_is_midnight_ending_the_deadline_day_in_shanghai(calendar: WorkingDayCalendar):
    due = calendar.deadline(D(2026, 9, 30), 5).due_at.astimezone(SHANGHAI)
    assert due == dt.datetime(2026, 10, 14, 0, 0, tzinfo=SHANGHAI)


def test_cutoff_of_17_30_moves_the_due_instant_to_that_afternoon(official_years: list[YearData]):
    calendar = WorkingDayCalendar(official_years, cutoff="17:30")
    result = calendar.deadline(D(2026, 9, 30), 5)
    assert result.date == D(2026, 10, 13)
    assert result.due_at == dt.datetime(2026, 10, 13, 9, 30, tzinfo=UTC)


def test_start_instant_is_read_as_its_shanghai_calendar_date(calendar: WorkingDayCalendar):
    # 17:00 UTC on 29 Sep is already 01:00 on 30 Sep in Shanghai.
    assert calendar.deadline(dt.datetime(2026, 9, 29, 17, 0, tzinfo=UTC), 5).date == D(2026, 10, 13)
    # 15:00 UTC is still 23:00 on 29 Sep: 30 Sep, 8, 9, 10, 12 Oct.
    assert calendar.deadline(dt.datetime(2026, 9, 29, 15, 0, tzinfo=UTC), 5).date == D(2026, 10, 12)


def test_receipt_day_never_counts_even_when_received_early_on_a_working_day(
    calendar: WorkingDayCalendar,
):
    morning = dt.datetime(2026, 10, 13, 8, 0, tzinfo=SHANGHAI)
    assert calendar.deadline(morning, 1).date == D(2026, 10, 14)


def test_naive_datetime_is_rejected(calendar: WorkingDayCalendar):
    with pytest.raises(ValueError, match="naive"):
        calendar.deadline(dt.datetime(2026, 9, 30, 10, 0), 5)


def test_negative_number_of_working_days_is_rejected(calendar: WorkingDayCalendar):
    with pytest.raises(ValueError, match=">= 0"):
        calendar.deadline(D(2026, 9, 30), -1)


def test_non_integer_number_of_working_days_is_rejected(calendar: WorkingDayCalendar):
    with pytest.raises(TypeError):
        calendar.deadline(D(2026, 9, 30), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        calendar.deadline(D(2026, 9, 30), True)


@pytest.mark.parametrize("bad", ["00:00", "24:01", "25:00", "17:60", "noon", ""])
def test_unusable_cutoffs_are_rejected(bad: str):
    with pytest.raises(ValueError):
        parse_cutoff(bad)


def test_cutoff_accepts_a_time_object():
    assert parse_cutoff(dt.time(17, 30)) == 17 * 60 + 30


def test_due_instant_is_built_from_wall_clock_time_in_a_zone_with_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-03-29 is the spring-forward day in Berlin: midnight ending it is 22:00 UTC.
    assert due_instant(D(2026, 3, 29), 24 * 60, berlin) == dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_case_reaching_into_2027_is_provisional_and_logs_a_warning(
    calendar: WorkingDayCalendar, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="app.calendar"):
        result = calendar.deadline(D(2026, 12, 28), 10)
    # 29-31 Dec, then 2027 guessed as Mon-Fri minus 1 January: 4-8 and 11-12 Jan.
    assert result.date == D(2027, 1, 12)
    assert result.provisional
    assert result.missing_years == (2027,)
    assert [r.name for r in caplog.records] == ["app.calendar"]
    assert "2027" in caplog.records[0].getMessage()


def test_missing_year_warning_is_logged_once_per_calendar(
    calendar: WorkingDayCalendar, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="app.calendar"):
        calendar.deadline(D(2026, 12, 28), 10)
        calendar.deadline(D(2026, 12, 30), 20)
        calendar.is_working_day(D(2027, 5, 3))
    assert len(caplog.records) == 1


def test_loading_2027_later_makes_the_same_deadline_final(calendar: WorkingDayCalendar, tmp_path: Path):
    assert calendar.deadline(D(2026, 12, 28), 10).provisional
    calendar.load_file(write_2027(tmp_path))
    result = calendar.deadline(D(2026, 12, 28), 10)
    assert not result.provisional
    assert result.missing_years == ()
    assert result.date == D(2027, 1, 13)  # the synthetic 11 January holiday now counts


def test_loading_a_year_from_a_mapping_also_invalidates_cached_results(calendar: WorkingDayCalendar):
    assert calendar.is_working_day(D(2027, 2, 8))
    calendar.load_year(
        {
            "year": 2027,
            "notice": {"title": "synthetic"},
            "holidays": [{"date": D(2027, 2, 8), "name": "synthetic"}],
        }
    )
    assert not calendar.is_working_day(D(2027, 2, 8))
    assert calendar.holidays(2027) == [(D(2027, 2, 8), "synthetic")]


def test_deadline_within_loaded_years_is_not_provisional_even_if_later_years_are_missing(
    calendar: WorkingDayCalendar,
):
    assert not calendar.deadline(D(2026, 12, 1), 5).provisional


def test_start_before_the_first_loaded_year_is_provisional(calendar: WorkingDayCalendar):
    result = calendar.deadline(D(2017, 12, 20), 15)
    assert result.provisional
    assert result.missing_years == (2017,)


def test_status_reports_gaps_the_year_after_coverage_and_current_needs(
    official_years: list[YearData],
):
    calendar = WorkingDayCalendar([y for y in official_years if y.year != 2021])
    status = calendar.status(today=D(2026, 11, 21))
    assert status.loaded_years == (2018, 2019, 2020, 2022, 2023, 2024, 2025, 2026)
    assert status.covered == (D(2018, 1, 1), D(2026, 12, 31))
    assert status.missing_years == (2021, 2027)
    assert status.missing_soon == (2027,)


def test_status_after_loading_next_year_has_nothing_missing_soon(
    calendar: WorkingDayCalendar, tmp_path: Path
):
    calendar.load_file(write_2027(tmp_path))
    status = calendar.status(today=D(2026, 11, 21))
    assert status.missing_soon == ()
    assert status.missing_years == (2028,)


def test_status_without_today_still_names_the_first_uncovered_year(calendar: WorkingDayCalendar):
    status = calendar.status()
    assert status.missing_years == (2027,)
    assert status.missing_soon == ()
