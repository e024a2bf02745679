"""Working-day arithmetic without stepping day by day.

Deadlines are computed on every case creation and listing, and n can be as
large as a year of working days; stepping day by day (as workalendar does)
costs milliseconds per call. Two structures replace the stepping:

* ``FlatSpan``: every day of a run of years flattened into tables, so the
  common call (no extra days, inside the run) is two lookups that return a
  ready-made ``date``.
* Per-year sorted arrays with bisect jumps (``nth_after`` and friends), for
  whatever the span does not cover and for workalendar's extra_* arguments.

``ordinals_of(year)`` must return the sorted working-day ordinals
(``date.toordinal()``) of ``year``; the calendar caches those arrays.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

YearOrdinals = Callable[[int], Sequence[int]]


def year_of(ordinal: int) -> int:
    return dt.date.fromordinal(ordinal).year


def is_weekday(ordinal: int) -> bool:
    """Monday-Friday; ordinal 1 (0001-01-01) was a Monday."""
    return (ordinal - 1) % 7 < 5


def working_ordinals(year: int, holidays: set[int], workdays: set[int]) -> list[int]:
    """Sorted working-day ordinals of ``year`` under the official rule."""
    first = dt.date(year, 1, 1).toordinal()
    last = dt.date(year, 12, 31).toordinal()
    return [
        day
        for day in range(first, last + 1)
        if day in workdays or (is_weekday(day) and day not in holidays)
    ]


class FlatSpan:
    """The working days of a run of years as flat tables, so a jump is two lookups.

    ``dates`` lists the working days in order. For every day of ``years``,
    ``first_from[day]`` is the index in ``dates`` of the first working day on
    or after it and ``last_upto[day]`` that of the last one on or before it
    (-1 if none), so the n-th working day after ``day`` is
    ``dates[last_upto[day] + n]`` and the n-th before it
    ``dates[first_from[day] - n]``; an index outside ``dates`` means the answer
    lies outside the span (the calendar builds it over years with data only,
    so an answer found here is never provisional). Keyed by ``date``, not by
    ordinal: ``toordinal()`` and big-int arithmetic each allocate, and would
    cost as much as the lookups. The calendar reads the tables inline on its hot
    paths for the same reason (a method call would too).

    ``memo`` is a per-working-day slot the owner may fill with results derived
    from the day alone (the calendar keeps its ``Deadline`` objects there); it
    lives and dies with the span.
    """

    __slots__ = ("dates", "first_from", "last_upto", "memo")

    def __init__(self, years: range, ordinals_of: YearOrdinals) -> None:
        working = {day for year in years for day in ordinals_of(year)}
        self.dates: list[dt.date] = []
        self.first_from: dict[dt.date, int] = {}
        self.last_upto: dict[dt.date, int] = {}
        first = dt.date(years[0], 1, 1).toordinal() if years else 0
        stop = dt.date(years[-1], 12, 31).toordinal() + 1 if years else 0
        for ordinal in range(first, stop):
            day = dt.date.fromordinal(ordinal)
            self.first_from[day] = len(self.dates)
            if ordinal in working:
                self.dates.append(day)
            self.last_upto[day] = len(self.dates) - 1
        self.memo: list[Any] = [None] * len(self.dates)


def longest_run(years: Sequence[int]) -> range:
    """The longest run of consecutive values in sorted ``years`` (first one on ties)."""
    best = run = range(0)
    for year in years:
        run = range(run.start, year + 1) if run and year == run.stop else range(year, year + 1)
        if len(run) > len(best):
            best = run
    return best


@dataclass(frozen=True)
class YearIndex:
    """One year's official status in the shapes the calendar queries need."""

    working: tuple[int, ...]  # sorted ordinals, for bisect
    working_set: frozenset[int]  # same ordinals, for O(1) membership
    holidays: tuple[tuple[dt.date, str], ...]
    holiday_set: frozenset[dt.date]


def year_index(
    year: int, holidays: tuple[tuple[dt.date, str], ...], workdays: Iterable[dt.date]
) -> YearIndex:
    """Index ``year`` from its official holidays and 调休 working days."""
    off = {day.toordinal() for day, _ in holidays}
    working = tuple(working_ordinals(year, off, {day.toordinal() for day in workdays}))
    return YearIndex(working, frozenset(working), holidays, frozenset(day for day, _ in holidays))


def nth_after(ordinals_of: YearOrdinals, start: int, n: int, year: int | None = None) -> int:
    """Ordinal of the n-th (n >= 1) working day strictly after ``start``.

    ``year`` is ``start``'s year when the caller already knows it (saves a
    date construction on the hot path).
    """
    year = year_of(start) if year is None else year
    days = ordinals_of(year)
    position = bisect_right(days, start)
    while n > len(days) - position:
        n -= len(days) - position
        year += 1
        days, position = ordinals_of(year), 0
    return days[position + n - 1]


def nth_before(ordinals_of: YearOrdinals, start: int, n: int, year: int | None = None) -> int:
    """Ordinal of the n-th (n >= 1) working day strictly before ``start``."""
    year = year_of(start) if year is None else year
    days = ordinals_of(year)
    position = bisect_left(days, start)  # working days before start in this year
    while n > position:
        n -= position
        year -= 1
        days = ordinals_of(year)
        position = len(days)
    return days[position - n]


def count_between(ordinals_of: YearOrdinals, low: int, high: int) -> int:
    """Number of working days in the closed ordinal interval [low, high]."""
    if high < low:
        return 0
    first_year, last_year = year_of(low), year_of(high)
    total = 0
    for year in range(first_year, last_year + 1):
        days = ordinals_of(year)
        begin = bisect_left(days, low) if year == first_year else 0
        end = bisect_right(days, high) if year == last_year else len(days)
        total += end - begin
    return total


def walk(
    ordinals_of: YearOrdinals, start: int, n: int, exceptions: dict[int, bool]
) -> int:
    """Move ``n`` working days from ``start`` (backwards when n < 0).

    ``exceptions`` maps ordinals to a forced working (True) / off (False)
    status that differs from the data (workalendar's extra_* arguments). The
    walk jumps from one exception to the next, so it stays fast with them too.
    """
    if n == 0:
        return start
    forward = n > 0
    remaining = abs(n)
    jump = nth_after if forward else nth_before
    ahead = sorted(
        (day for day in exceptions if (day > start if forward else day < start)),
        reverse=not forward,
    )
    current = start
    for day in ahead:
        low, high = (current + 1, day - 1) if forward else (day + 1, current - 1)
        between = count_between(ordinals_of, low, high)
        if between >= remaining:
            break
        remaining -= between
        if exceptions[day]:
            remaining -= 1
            if remaining == 0:
                return day
        current = day
    return jump(ordinals_of, current, remaining)


def count_with_exceptions(
    ordinals_of: YearOrdinals, low: int, high: int, exceptions: dict[int, bool]
) -> int:
    """``count_between`` corrected for forced working/off days."""
    total = count_between(ordinals_of, low, high)
    for day, working in exceptions.items():
        if low <= day <= high:
            total += 1 if working else -1
    return total
