"""Time deadline()/add_working_days() against workalendar's day-by-day loop.

Run: ``python tests/benchmarks/bench_deadline.py``. Prints µs per call for a
mix of n and start dates, and the speed-up over
``workalendar.asia.China().add_working_days`` on the starts where workalendar
has data (results up to 2023). Goal: >= 50x. Not part of the test suite:
timings depend on the machine, so nothing is asserted.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from workalendar.asia import China

from app.calendar import DEFAULT_CALENDAR_DIR, WorkingDayCalendar

COUNTS = (0, 1, 5, 15, 250)
REPEATS = 5


def every(first: dt.date, last: dt.date, step_days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=d) for d in range(0, (last - first).days + 1, step_days)]


def per_call_us(func: Callable[[dt.date], object], starts: Sequence[dt.date], repeats: int) -> float:
    """Best of ``repeats`` passes over ``starts``, in µs per call."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter_ns()
        for start in starts:
            func(start)
        best = min(best, (time.perf_counter_ns() - began) / len(starts))
    return best / 1000


def crosses_covid_extension(start: dt.date, end: dt.date) -> bool:
    """workalendar lacks 国办发明电〔2020〕1号 (2020-01-31 and 02-01 off)."""
    return start < dt.date(2020, 2, 2) and end >= dt.date(2020, 1, 31)


def main() -> None:
    logging.getLogger("app.calendar").setLevel(logging.ERROR)  # 2027 fallback warning
    warnings.simplefilter("ignore")  # workalendar's "Support years 2018-2023" on every call

    began = time.perf_counter()
    calendar = WorkingDayCalendar.from_directory(DEFAULT_CALENDAR_DIR)
    calendar.deadline(dt.date(2026, 9, 30), 5)
    cold_ms = (time.perf_counter() - began) * 1000
    china = China()

    all_starts = every(dt.date(2018, 1, 1), dt.date(2026, 12, 31), 7)  # 2018-2026, all weekdays
    wk_starts = every(dt.date(2018, 1, 3), dt.date(2022, 12, 31), 19)  # n=250 stays within 2023
    for start in all_starts:  # warm the per-year caches (incl. the 2027 fallback)
        calendar.deadline(start, 250)

    header = (
        f"{'n':>4} | {'deadline() µs':>13} | {'add_wd() µs':>11} | "
        f"{'add_wd() µs':>11} | {'workalendar µs':>14} | {'speed-up':>8} | {'agree':>7}"
    )
    print(f"calendar load + first deadline (cold): {cold_ms:.1f} ms")
    print(f"starts: {len(all_starts)} dates 2018-2026 (cols 2-3); "
          f"{len(wk_starts)} dates 2018-2022 where workalendar has data (cols 4-7)")
    print(header)
    print("-" * len(header))
    totals = {"ours": 0.0, "theirs": 0.0}
    unexplained = 0
    for n in COUNTS:
        ours_deadline = per_call_us(lambda d, n=n: calendar.deadline(d, n), all_starts, REPEATS)
        ours_all = per_call_us(lambda d, n=n: calendar.add_working_days(d, n), all_starts, REPEATS)
        ours_wk = per_call_us(lambda d, n=n: calendar.add_working_days(d, n), wk_starts, REPEATS)
        theirs = per_call_us(lambda d, n=n: china.add_working_days(d, n), wk_starts, 1 if n > 15 else 3)
        totals["ours"] += ours_wk
        totals["theirs"] += theirs
        differing = [d for d in wk_starts if calendar.add_working_days(d, n) != china.add_working_days(d, n)]
        unexplained += sum(not crosses_covid_extension(d, calendar.add_working_days(d, n)) for d in differing)
        agree = len(wk_starts) - len(differing)
        print(
            f"{n:>4} | {ours_deadline:>13.2f} | {ours_all:>11.2f} | {ours_wk:>11.2f} | "
            f"{theirs:>14.1f} | {theirs / ours_wk:>7.0f}x | {agree:>3}/{len(wk_starts)}"
        )
    mix = totals["theirs"] / totals["ours"]
    print(f"mix of all n (equal weights): {mix:.0f}x faster than workalendar")
    print(f"disagreements not explained by the 2020-01-31/02-01 COVID extension: {unexplained}")

if __name__ == "__main__":
    main()
