"""Flask integration (init_app/get_calendar) and the `calendar` CLI group."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask

from app.calendar import CalendarDataError, WorkingDayCalendar, get_calendar, init_app
from app.calendar.cli import calendar_cli

D = dt.date


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


@pytest.fixture
def calendar_app() -> Flask:
    """A bare Flask app with only the calendar, independent of the service's create_app()."""
    app = Flask(__name__)
    init_app(app)
    return app


def run(app: Flask, *args: str):
    # Push this app's context explicitly: an outer test harness may have pushed another app's.
    with app.app_context():
        return app.test_cli_runner().invoke(calendar_cli, list(args))


def test_init_app_loads_the_repository_calendars_by_default(calendar_app: Flask):
    with calendar_app.app_context():
        calendar = get_calendar()
    assert isinstance(calendar, WorkingDayCalendar)
    assert calendar_app.extensions["calendar"] is calendar
    assert calendar.loaded_years == tuple(range(2018, 2027))


def test_init_app_reads_directory_cutoff_and_timezone_from_config(tmp_path: Path):
    source = Path(__file__).resolve().parents[2] / "calendars" / "2026.yaml"
    (tmp_path / "2026.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    app = Flask(__name__)
    app.config.update(CALENDAR_DIR=str(tmp_path), CALENDAR_CUTOFF="17:30", TIMEZONE="Asia/Shanghai")
    calendar = init_app(app)
    assert calendar.loaded_years == (2026,)
    result = calendar.deadline(D(2026, 9, 30), 5)
    assert result.due_at == dt.datetime(2026, 10, 13, 9, 30, tzinfo=dt.UTC)


def test_init_app_fails_fast_on_a_missing_directory(tmp_path: Path):
    app = Flask(__name__)
    app.config["CALENDAR_DIR"] = str(tmp_path / "missing")
    with pytest.raises(CalendarDataError):
        init_app(app)


def test_status_lists_years_with_document_numbers_and_counts(calendar_app: Flask):
    result = run(calendar_app, "status")
    assert result.exit_code == 0, result.output
    assert "2024  国办发明电〔2023〕7号  holidays: 28  调休 working days: 8" in result.output
    assert "2022  (document number unknown)" in result.output
    assert "covered: 2018-01-01 .. 2026-12-31" in result.output
    assert "missing years: 2027" in result.output


def test_status_uses_the_project_clock_to_warn_about_this_and_next_year(calendar_app: Flask):
    calendar_app.extensions["clock"] = FixedClock(dt.datetime(2027, 3, 1, 1, 0, tzinfo=dt.UTC))
    result = run(calendar_app, "status")
    assert result.exit_code == 0
    assert "missing years: 2027, 2028" in result.output
    assert "WARNING: no data for 2027, 2028" in result.output


def test_status_today_option_overrides_the_clock(calendar_app: Flask):
    result = run(calendar_app, "status", "--today", "2026-03-01")
    assert result.exit_code == 0
    assert "WARNING: no data for 2027" in result.output


def test_deadline_command_prints_date_and_shanghai_due_instant(calendar_app: Flask):
    result = run(calendar_app, "deadline", "2026-09-30", "5")
    assert result.exit_code == 0, result.output
    assert "deadline date: 2026-10-13" in result.output
    assert "due at: 2026-10-13 24:00 Asia/Shanghai" in result.output
    assert "2026-10-14T00:00:00+08:00" in result.output
    assert "provisional" not in result.output


def test_deadline_command_accepts_an_iso_datetime_with_offset(calendar_app: Flask):
    result = run(calendar_app, "deadline", "2026-09-29T16:30:00+00:00", "5")
    assert result.exit_code == 0, result.output
    assert "deadline date: 2026-10-13" in result.output  # 00:30 on 30 Sep in Shanghai


def test_deadline_command_flags_provisional_results(calendar_app: Flask):
    result = run(calendar_app, "deadline", "2026-12-28", "10")
    assert result.exit_code == 0
    assert "deadline date: 2027-01-12" in result.output
    assert "provisional (missing years: 2027)" in result.output


def test_deadline_command_works_inside_an_existing_app_context(calendar_app: Flask):
    from click.testing import CliRunner

    with calendar_app.app_context():
        result = CliRunner().invoke(calendar_cli, ["deadline", "2026-09-30", "15"])
    assert result.exit_code == 0, result.output
    assert "deadline date: 2026-10-27" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-13-01", "5"], "is not YYYY-MM-DD"),
        (["yesterday", "5"], "is not YYYY-MM-DD"),
        (["2026-09-30T10:00", "5"], "no UTC offset"),
        (["2026-09-30", "-1"], "N"),
        (["2026-09-30", "five"], "N"),
        (["2026-09-30"], "Missing argument"),
    ],
)
def test_deadline_command_rejects_bad_input_with_a_usage_error(calendar_app: Flask, args: list[str], message: str):
    result = run(calendar_app, "deadline", *args)
    assert result.exit_code == 2
    assert message in result.output
