"""Bisect arithmetic over per-year sorted arrays of working-day ordinals.

Deadlines are computed on every case creation and listing, and n can be as
large as a year of working days; stepping day by day (as workalendar does)
costs milliseconds per call. Here each year is one sorted array, a jump inside
a year is one bisect and a jump across years subtracts that year's count.

``ordinals_of(year)`` must return the sorted working-day ordinals
(``date.toordinal()``) of ``year``; the calendar caches those arrays.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

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
