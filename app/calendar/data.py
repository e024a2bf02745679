"""Loading and validation of the yearly calendar files in ``calendars/``.

One YAML file per year, named ``YYYY.yaml`` (format: ``calendars/README.md``).
Everything a deadline depends on comes from these files, so a malformed file
must stop the service at start-up with a message that names the file and the
offending date, rather than silently producing a wrong deadline months later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CalendarDataError",
    "Notice",
    "YearData",
    "load_directory",
    "load_file",
    "parse_year",
]

YEAR_FILE = re.compile(r"^(\d{4})\.ya?ml$")
TOP_LEVEL_KEYS = frozenset({"year", "notice", "holidays", "workdays", "notes", "confirmed_by"})
SATURDAY = 5
# libyaml's loader is ~10x faster at start-up; same safe semantics.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CalendarDataError(ValueError):
    """A calendar file is unreadable or contradicts itself.

    ``source`` is the file (or a label for in-memory data) and ``day`` the
    offending date when there is one, so operators can fix the file directly.
    """

    def __init__(self, source: str, message: str, day: dt.date | None = None) -> None:
        self.source = source
        self.day = day
        where = f"{source}: {day.isoformat()}: " if day else f"{source}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class Notice:
    """The State Council notice(s) a year's data was transcribed from."""

    title: str
    doc: str | None  # document number, e.g. 国办发明电〔2023〕7号; None when unknown
    issued: tuple[dt.date, ...]
    gov_cn: tuple[str, ...]


@dataclass(frozen=True)
class YearData:
    """Validated data of one year: official holidays and 调休 working days."""

    year: int
    notice: Notice
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str | None]
    notes: tuple[Any, ...] = ()
    source: str = "<memory>"
    confirmed_by: tuple[str, ...] = field(default=())


def load_directory(directory: str | Path) -> list[YearData]:
    """Load every ``YYYY.yaml`` in ``directory``, sorted by year.

    Other ``*.yaml`` files are an error (likely a misnamed year); anything
    else, such as README.md, is ignored.
    """
    root = Path(directory)
    if not root.is_dir():
        raise CalendarDataError(str(root), "calendar directory does not exist")
    years = []
    for path in sorted(root.iterdir()):
        if path.suffix in {".yaml", ".yml"}:
            years.append(load_file(path))
    return sorted(years, key=lambda item: item.year)


def load_file(path: str | Path) -> YearData:
    """Read and validate one year file; its ``year`` must match the file name."""
    path = Path(path)
    match = YEAR_FILE.match(path.name)
    if not match:
        raise CalendarDataError(str(path), "file name must be YYYY.yaml")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2024-02-30.
        raise CalendarDataError(str(path), f"cannot read calendar file: {exc}") from exc
    return parse_year(raw, source=str(path), expected_year=int(match.group(1)))


def parse_year(raw: Any, source: str = "<memory>", expected_year: int | None = None) -> YearData:
    """Validate an already-parsed mapping (a YAML document) into ``YearData``."""
    if not isinstance(raw, Mapping):
        raise CalendarDataError(source, "top level must be a mapping")
    unknown = set(raw) - TOP_LEVEL_KEYS
    if unknown:
        raise CalendarDataError(source, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    year = _parse_year_key(raw.get("year"), source, expected_year)
    holidays = _parse_holidays(raw.get("holidays"), year, source)
    workdays = _parse_workdays(raw.get("workdays") or [], year, source)
    clashes = sorted(holidays.keys() & workdays.keys())
    if clashes:
        raise CalendarDataError(source, "listed both as holiday and as working day", clashes[0])
    notes = raw.get("notes") or []
    if not isinstance(notes, list):
        raise CalendarDataError(source, "`notes` must be a list")
    for note in notes:
        if isinstance(note, Mapping) and "date" in note:
            _check_in_year(_as_date(note["date"], source, "notes"), year, source)
    return YearData(
        year=year,
        notice=_parse_notice(raw.get("notice"), source),
        holidays=holidays,
        workdays=workdays,
        notes=tuple(notes),
        source=source,
        confirmed_by=tuple(str(item) for item in raw.get("confirmed_by") or ()),
    )


def _parse_year_key(value: Any, source: str, expected_year: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CalendarDataError(source, "`year` must be an integer, e.g. `year: 2026`")
    if expected_year is not None and value != expected_year:
        raise CalendarDataError(source, f"`year: {value}` does not match the file name")
    if not dt.MINYEAR < value < dt.MAXYEAR:
        raise CalendarDataError(source, f"`year: {value}` is out of range")
    return value


def _parse_holidays(items: Any, year: int, source: str) -> dict[dt.date, str]:
    if not isinstance(items, list) or not items:
        raise CalendarDataError(source, "`holidays` must be a non-empty list of {date, name}")
    holidays: dict[dt.date, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise CalendarDataError(source, f"holiday entry {item!r} must be a mapping {{date, name}}")
        day = _as_date(item.get("date"), source, "holidays")
        _check_in_year(day, year, source)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CalendarDataError(source, "holiday has no name", day)
        if day in holidays:
            raise CalendarDataError(source, "holiday listed twice", day)
        holidays[day] = name.strip()
    return dict(sorted(holidays.items()))


def _parse_workdays(items: Any, year: int, source: str) -> dict[dt.date, str | None]:
    """调休 working days: plain dates or {date, name} mappings, all on weekends."""
    if not isinstance(items, list):
        raise CalendarDataError(source, "`workdays` must be a list")
    workdays: dict[dt.date, str | None] = {}
    for item in items:
        name = None
        if isinstance(item, Mapping):
            name = item.get("name")
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise CalendarDataError(source, f"working day {item.get('date')}: name must be text")
            item = item.get("date")
        day = _as_date(item, source, "workdays")
        _check_in_year(day, year, source)
        if day.weekday() < SATURDAY:
            raise CalendarDataError(
                source, f"调休 working day falls on a {day:%A}; only Saturdays/Sundays belong here", day
            )
        if day in workdays:
            raise CalendarDataError(source, "working day listed twice", day)
        workdays[day] = name.strip() if name else None
    return dict(sorted(workdays.items()))


def _parse_notice(raw: Any, source: str) -> Notice:
    if not isinstance(raw, Mapping) or not raw.get("title"):
        raise CalendarDataError(source, "`notice` must be a mapping with at least a `title`")
    doc = raw.get("doc")
    return Notice(
        title=str(raw["title"]),
        doc=str(doc) if doc else None,
        issued=tuple(_as_date(day, source, "notice.issued") for day in _as_list(raw.get("issued"))),
        gov_cn=tuple(str(url) for url in _as_list(raw.get("gov_cn"))),
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]


def _as_date(value: Any, source: str, where: str) -> dt.date:
    """Accept YAML dates (unquoted) and ISO strings (quoted) alike."""
    if isinstance(value, dt.datetime):
        raise CalendarDataError(source, f"{where}: {value!r} is a timestamp, expected a date")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarDataError(source, f"{where}: {value!r} is not a YYYY-MM-DD date")


def _check_in_year(day: dt.date, year: int, source: str) -> None:
    if day.year != year:
        raise CalendarDataError(source, f"date is outside the file's year {year}", day)
