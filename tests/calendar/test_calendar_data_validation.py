"""Calendar files are validated on load, with errors naming file and date."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from app.calendar import (
    CalendarDataError,
    WorkingDayCalendar,
    load_directory,
    load_file,
)

VALID = """\
year: 2030
notice:
  title: synthetic notice
  doc: 国办发明电〔2029〕99号
  issued: 2029-11-01
  gov_cn:
    - https://www.gov.cn/example
holidays:
  - date: 2030-01-01
    name: 元旦
  - date: 2030-10-01
    name: 国庆节
  - date: 2030-10-05
    name: 国庆节
workdays:
  - date: 2030-09-29
    name: 国庆节调休
  - 2030-10-12
"""


def write(tmp_path: Path, text: str, name: str = "2030.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_valid_file_loads_with_named_and_plain_working_days(tmp_path: Path):
    data = load_file(write(tmp_path, VALID))
    assert data.year == 2030
    assert data.notice.doc == "国办发明电〔2029〕99号"
    assert data.notice.issued == (dt.date(2029, 11, 1),)
    assert data.workdays == {dt.date(2030, 9, 29): "国庆节调休", dt.date(2030, 10, 12): None}


def test_every_repository_file_loads_and_validates(official_years):
    assert [data.year for data in official_years] == list(range(2018, 2027))
    assert all(data.notice.title.startswith("国务院办公厅关于") for data in official_years)


@pytest.mark.parametrize(
    ("old", "new", "message", "day"),
    [
        ("- date: 2030-10-01", "- date: 2031-10-01", "outside the file's year 2030", "2031-10-01"),
        ("  - 2030-10-12", "  - 2030-10-05", "both as holiday and as working day", "2030-10-05"),
        ("  - 2030-10-12", "  - 2030-10-10", "only Saturdays/Sundays", "2030-10-10"),
        ("    name: 元旦\n", "", "holiday has no name", "2030-01-01"),
        ("    name: 元旦\n", "    name: '  '\n", "holiday has no name", "2030-01-01"),
    ],
)
def test_bad_dates_are_reported_with_file_and_date(
    tmp_path: Path, old: str, new: str, message: str, day: str
):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(CalendarDataError, match=message) as caught:
        load_file(path)
    assert str(path) in str(caught.value)
    assert day in str(caught.value)
    assert caught.value.day == dt.date.fromisoformat(day)


def test_year_key_must_match_the_file_name(tmp_path: Path):
    path = write(tmp_path, VALID, name="2031.yaml")
    with pytest.raises(CalendarDataError, match="does not match the file name") as caught:
        load_file(path)
    assert "2031.yaml" in str(caught.value)


def test_file_name_must_be_a_year(tmp_path: Path):
    with pytest.raises(CalendarDataError, match="YYYY.yaml"):
        load_file(write(tmp_path, VALID, name="holidays.yaml"))


def test_impossible_date_is_reported_not_crashed_on(tmp_path: Path):
    with pytest.raises(CalendarDataError, match="2030.yaml"):
        load_file(write(tmp_path, VALID.replace("2030-10-01", "2030-02-30")))


def test_broken_yaml_is_reported_with_the_file_name(tmp_path: Path):
    with pytest.raises(CalendarDataError, match="cannot read"):
        load_file(write(tmp_path, "year: [2030\n"))


def test_unknown_top_level_keys_are_refused_to_catch_typos(tmp_path: Path):
    with pytest.raises(CalendarDataError, match="unknown keys: holiday"):
        load_file(write(tmp_path, VALID.replace("holidays:", "holiday:")))


def test_duplicate_holiday_is_refused(tmp_path: Path):
    text = VALID.replace("workdays:", "  - date: 2030-01-01\n    name: 元旦\nworkdays:")
    with pytest.raises(CalendarDataError, match="listed twice"):
        load_file(write(tmp_path, text))


def test_directory_load_ignores_readme_and_fails_on_a_bad_year(tmp_path: Path):
    write(tmp_path, VALID)
    (tmp_path / "README.md").write_text("# notes", encoding="utf-8")
    assert [data.year for data in load_directory(tmp_path)] == [2030]
    write(tmp_path, VALID.replace("year: 2030", "year: 2029"), name="2031.yaml")
    with pytest.raises(CalendarDataError, match="2031.yaml"):
        WorkingDayCalendar.from_directory(tmp_path)


def test_missing_directory_is_an_error(tmp_path: Path):
    with pytest.raises(CalendarDataError, match="does not exist"):
        load_directory(tmp_path / "nope")


def test_loading_a_bad_mapping_at_runtime_is_refused(calendar: WorkingDayCalendar):
    with pytest.raises(CalendarDataError, match="holiday has no name"):
        calendar.load_year({"year": 2027, "notice": {"title": "x"}, "holidays": [{"date": "2027-01-01"}]})
    assert 2027 not in calendar.loaded_years
