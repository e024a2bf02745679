"""The official mainland-China working-day calendar as a workalendar calendar.

``workalendar.asia.China`` is not used: its data ends in 2023, and passing
``extra_working_days`` replaces its built-in 调休 days instead of adding to
them. This class keeps workalendar's interface (so code written against
workalendar keeps working) but answers from ``calendars/YYYY.yaml`` only.

Years without data fall back to Monday-Friday minus 1 January. That guess is
never silent: a warning is logged once per year and calendar instance, and
``deadline()`` marks its result provisional.

Speed: calls without extra days whose answer lies in the loaded years are
answered from one ``index.FlatSpan`` over them (built on first use, dropped by
``load_year``); a hit there is never provisional. Everything else (extra days,
fallback years) uses the per-year bisect arrays, which also do the warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from workalendar.core import SAT, SUN, Calendar, cleaned_date

from . import index
from .data import YearData, load_directory, load_file, parse_year
from .deadline import (
    DEFAULT_CUTOFF,
    DEFAULT_TIMEZONE,
    Deadline,
    compute_deadline,
    due_instant,
    local_date,
    parse_cutoff,
)

logger = logging.getLogger("app.calendar")

FALLBACK_HOLIDAY = "元旦 (provisional: no data for this year)"
DateLike = dt.date | dt.datetime


def _as_date(day: DateLike) -> dt.date:
    """workalendar's ``cleaned_date`` without its slow ``hasattr`` probe for plain dates."""
    return day if type(day) is dt.date else cleaned_date(day)


@dataclass(frozen=True)
class CalendarStatus:
    """What the calendar knows, for the CLI and health checks.

    ``missing_years`` holds gaps between loaded years, the year right after
    the last loaded one, and (given ``today``) the current and next year when
    not loaded; ``missing_soon`` is only the latter, the ones needing action.
    """

    loaded_years: tuple[int, ...]
    covered: tuple[dt.date, dt.date] | None
    missing_years: tuple[int, ...]
    missing_soon: tuple[int, ...]
    today: dt.date | None


ANSWER_CACHE_SIZE = 100_000


class WorkingDayCalendar(Calendar):
    """Working days from the State Council notices, with fast deadline arithmetic."""

    WEEKEND_DAYS = (SAT, SUN)

    def __init__(
        self,
        years: Iterable[YearData] = (),
        *,
        cutoff: str | dt.time = DEFAULT_CUTOFF,
        timezone: str | dt.tzinfo = DEFAULT_TIMEZONE,
    ) -> None:
        super().__init__()
        self.cutoff_minutes = parse_cutoff(cutoff)
        self.timezone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._years: dict[int, YearData] = {}
        self._index: dict[int, index.YearIndex] = {}
        self._span: index.FlatSpan | None = None
        # Final deadlines asked for by date, reused; only official-data answers, cleared when a year loads.
        self._answers: dict[tuple[dt.date, int], Deadline] = {}
        self._warned: set[int] = set()
        self._lock = threading.RLock()  # re-entrant: building the span builds year indexes
        for data in years:
            self.load_year(data)

    @classmethod
    def from_directory(cls, directory: str | Path, **kwargs: Any) -> WorkingDayCalendar:
        """Build from a ``calendars/`` directory (raises ``CalendarDataError``)."""
        return cls(load_directory(directory), **kwargs)

    # -- data management ------------------------------------------------------

    def load_year(self, data: YearData | Mapping[str, Any]) -> YearData:
        """Add or replace one year; cached results for that year are dropped.

        Accepts ``YearData`` or a raw mapping in the YAML file's shape, so a
        newly published notice can be loaded without a restart.
        """
        if not isinstance(data, YearData):
            data = parse_year(data)
        with self._lock:
            self._years[data.year] = data
            self._index.pop(data.year, None)
            self._span = None  # its extent and every entry may change
            self._answers.clear()
            self._holidays.pop(data.year, None)  # workalendar's own cache
        return data

    def load_file(self, path: str | Path) -> YearData:
        """Validate and load one ``YYYY.yaml`` file."""
        return self.load_year(load_file(path))

    @property
    def loaded_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def year_data(self, year: int) -> YearData | None:
        return self._years.get(year)

    def missing_years(self, first: dt.date, last: dt.date) -> tuple[int, ...]:
        """Years between two dates (inclusive, either order) that have no data."""
        low, high = first.year, last.year
        if low == high:  # the common case, kept cheap for deadline()
            return () if low in self._years else (low,)
        low, high = min(low, high), max(low, high)
        return tuple(year for year in range(low, high + 1) if year not in self._years)

    def status(self, today: dt.date | None = None) -> CalendarStatus:
        """Loaded years and what is missing; ``today`` comes from the caller's clock."""
        loaded = self.loaded_years
        missing: set[int] = set()
        covered = None
        if loaded:
            covered = (dt.date(loaded[0], 1, 1), dt.date(loaded[-1], 12, 31))
            missing = set(range(loaded[0], loaded[-1] + 2)) - set(loaded)
        soon: tuple[int, ...] = ()
        if today is not None:
            soon = tuple(year for year in (today.year, today.year + 1) if year not in self._years)
            missing.update(soon)
        return CalendarStatus(loaded, covered, tuple(sorted(missing)), soon, today)

    # -- per-year cache -------------------------------------------------------

    def _year_index(self, year: int) -> index.YearIndex:
        cached = self._index.get(year)
        if cached is not None:
            return cached
        with self._lock:  # build and store atomically w.r.t. load_year()
            if year not in self._years:
                self._warn_missing(year)
            built = self._build_index(year)
            self._index[year] = built
        return built

    def _build_index(self, year: int) -> index.YearIndex:
        data = self._years.get(year)
        if data is None:
            return index.year_index(year, ((dt.date(year, 1, 1), FALLBACK_HOLIDAY),), ())
        return index.year_index(year, tuple(data.holidays.items()), data.workdays)

    def _flat_span(self) -> index.FlatSpan:
        """The span over the longest run of consecutive loaded years, so that no
        answer found in it touched a year without data; built once per data change."""
        with self._lock:
            if self._span is None:
                self._span = index.FlatSpan(index.longest_run(self.loaded_years), self._ordinals)
            return self._span

    def _warn_missing(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            logger.warning(
                "no official calendar data for %s: assuming Monday-Friday except 1 January; "
                "deadlines touching %s are provisional until calendars/%s.yaml is loaded",
                year, year, year,
            )

    def _ordinals(self, year: int) -> tuple[int, ...]:
        cached = self._index.get(year)
        return (cached or self._year_index(year)).working

    def _is_working_ordinal(self, ordinal: int, year: int | None = None) -> bool:
        year = index.year_of(ordinal) if year is None else year
        cached = self._index.get(year) or self._year_index(year)
        return ordinal in cached.working_set

    def _exceptions(self, extra_working_days: Any, extra_holidays: Any) -> dict[int, bool]:
        """Extra days whose status differs from the data; working days win, as in workalendar."""
        forced_on = {cleaned_date(day).toordinal() for day in extra_working_days or ()}
        forced_off = {cleaned_date(day).toordinal() for day in extra_holidays or ()} - forced_on
        result = {day: True for day in forced_on if not self._is_working_ordinal(day)}
        result.update({day: False for day in forced_off if self._is_working_ordinal(day)})
        return result

    # -- workalendar interface ------------------------------------------------

    def get_calendar_holidays(self, year: int) -> list[tuple[dt.date, str]]:
        """Official holidays of ``year`` (including weekend days inside a 放假 span)."""
        return list(self._year_index(year).holidays)

    def holidays(self, year: int | None = None) -> list[tuple[dt.date, str]]:
        """Like workalendar's, but ``year`` is required: we never read the system clock."""
        if year is None:
            raise TypeError("holidays() needs an explicit year (no implicit 'today')")
        days: list[tuple[dt.date, str]] = super().holidays(year)
        return days

    def is_holiday(self, day: DateLike, extra_holidays: Iterable[DateLike] | None = None) -> bool:
        day = _as_date(day)
        if extra_holidays and day in {cleaned_date(extra) for extra in extra_holidays}:
            return True
        return day in self._year_index(day.year).holiday_set

    def is_working_day(
        self,
        day: DateLike,
        extra_working_days: Iterable[DateLike] | None = None,
        extra_holidays: Iterable[DateLike] | None = None,
    ) -> bool:
        """Official status, overridable per call; ``extra_working_days`` win over holidays."""
        day = _as_date(day)
        ordinal = day.toordinal()
        if extra_working_days or extra_holidays:
            exceptions = self._exceptions(extra_working_days, extra_holidays)
            if ordinal in exceptions:
                return exceptions[ordinal]
        return self._is_working_ordinal(ordinal, day.year)

    def add_working_days(
        self,
        day: DateLike,
        delta: int,
        extra_working_days: Iterable[DateLike] | None = None,
        extra_holidays: Iterable[DateLike] | None = None,
        keep_datetime: bool = False,
    ) -> DateLike:
        """The ``delta``-th working day after (before, if negative) ``day``.

        The common call (no extra days, answer in the loaded years) is two
        lookups in the flat span, done inline: a helper call would add a fifth
        to it. Other dates use bisect jumps, extra days ``index.walk``.
        """
        start = day if type(day) is dt.date else cleaned_date(day)
        if not delta:
            target = start  # as workalendar: day 0 is the day itself, working or not
        elif extra_working_days or extra_holidays:
            exceptions = self._exceptions(extra_working_days, extra_holidays)
            target = dt.date.fromordinal(index.walk(self._ordinals, start.toordinal(), delta, exceptions))
        else:
            span = self._span or self._flat_span()
            table = span.last_upto if delta > 0 else span.first_from
            k = table[start] + delta if start in table else -1
            if 0 <= k < len(span.dates):
                target = span.dates[k]
            else:  # an end outside the span: bisect jumps (which warn about fallback years)
                jump = index.nth_after if delta > 0 else index.nth_before
                target = dt.date.fromordinal(jump(self._ordinals, start.toordinal(), abs(delta), start.year))
        if keep_datetime and isinstance(day, dt.datetime):
            return day + (target - start)
        return target

    def sub_working_days(
        self,
        day: DateLike,
        delta: int,
        extra_working_days: Iterable[DateLike] | None = None,
        extra_holidays: Iterable[DateLike] | None = None,
        keep_datetime: bool = False,
    ) -> DateLike:
        """``add_working_days(day, -abs(delta))``, as in workalendar."""
        return self.add_working_days(
            day, -abs(delta), extra_working_days, extra_holidays, keep_datetime=keep_datetime
        )

    def get_working_days_delta(
        self,
        start: DateLike,
        end: DateLike,
        include_start: bool = False,
        extra_working_days: Iterable[DateLike] | None = None,
        extra_holidays: Iterable[DateLike] | None = None,
    ) -> int:
        """Working days in (start, end], plus ``start`` itself if asked; order does not matter."""
        first, last = sorted((_as_date(start).toordinal(), _as_date(end).toordinal()))
        if first == last:
            return 0  # workalendar returns 0 here even with include_start
        exceptions = self._exceptions(extra_working_days, extra_holidays)
        low = first if include_start else first + 1
        return index.count_with_exceptions(self._ordinals, low, last, exceptions)

    # -- project API ----------------------------------------------------------

    def deadline(self, start: DateLike, n: int) -> Deadline:
        """Deadline of ``n`` working days from ``start``; see ``app.calendar.deadline``.

        A final (non-provisional) deadline depends only on its date, so the
        span keeps one ``Deadline`` per working day and the common call is a
        lookup. Bad input, provisional results and dates outside the span go
        through ``compute_deadline``, which validates, warns and builds anew.
        """
        answer = self._answers.get((start, n))  # the same question again: one lookup
        if answer is not None:
            return answer
        if type(n) is int and n >= 0:
            day = start if type(start) is dt.date else local_date(start, self.timezone)
            span = self._span or self._flat_span()
            table = span.last_upto if n else span.first_from  # as in add_working_days
            if day in table and (k := table[day] + n) < len(span.dates):  # n >= 0: k >= 0
                answer = span.memo[k] or self._remember(span, k)
                if type(start) is dt.date and len(self._answers) < ANSWER_CACHE_SIZE:
                    self._answers[(start, n)] = answer
                return answer
        return compute_deadline(self, start, n, cutoff=self.cutoff_minutes, tz=self.timezone)

    def _remember(self, span: index.FlatSpan, k: int) -> Deadline:
        day = span.dates[k]
        result = Deadline(day, due_instant(day, self.cutoff_minutes, self.timezone), False, ())
        span.memo[k] = result
        return result
