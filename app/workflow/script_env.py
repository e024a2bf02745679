"""The functions a model's expressions may call, and the script engine that offers them.

Deadlines are ISO instants with an offset (what SpiffWorkflow's timers need), computed on the official
working-day calendar, so a task's due date and its timer come from the same expression.
"""
from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from app.calendar import get_calendar
from app.clock import now


def _start_of(value: str) -> date | datetime:
    if not isinstance(value, str):
        raise TypeError("deadline start must be an ISO date or instant string")
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"instant without offset: {value}")
    return moment


# Deadline calculations made during one engine advance, so provisional ones (a year without official
# calendar data) can be recomputed when that year is loaded.
_calculations: ContextVar[list | None] = ContextVar("deadline_calculations", default=None)


@contextmanager
def recording_calculations() -> Iterator[list[dict]]:
    log: list[dict] = []
    token = _calculations.set(log)
    try:
        yield log
    finally:
        _calculations.reset(token)


def _remember(function: str, args: list, value: str, provisional: bool) -> None:
    log = _calculations.get()
    if log is not None:
        log.append({"function": function, "args": args, "value": value, "provisional": provisional})


def deadline(start: str, n: int) -> str:
    """End of the n-th working day after ``start``'s local date (n = 0: the same working day)."""
    result = get_calendar().deadline(_start_of(start), int(n))
    value = result.due_at.isoformat()
    _remember("deadline", [start, int(n)], value, result.provisional)
    return value


def working_days_before(due: str, n: int) -> str:
    """The due instant moved ``n`` working days earlier (reminders before a deadline)."""
    calendar = get_calendar()
    local_due = datetime.fromisoformat(due).astimezone(calendar.timezone)
    # The instant is the cutoff on the deadline's date (24:00 = next day 00:00): step back onto that date.
    deadline_date = (local_due - timedelta(minutes=calendar.cutoff_minutes)).date()
    earlier = calendar.sub_working_days(deadline_date, int(n))
    value = calendar.deadline(earlier, 0).due_at.isoformat()
    _remember("working_days_before", [due, int(n)], value, bool(calendar.missing_years(earlier, deadline_date)))
    return value


def recalculate(calculation: dict) -> str:
    """The same calculation on the calendar as it is now."""
    return FUNCTIONS[calculation["function"]](*calculation["args"])


def now_iso() -> str:
    return now().isoformat()


def is_before(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) < datetime.fromisoformat(b)


FUNCTIONS = {"deadline": deadline, "working_days_before": working_days_before, "now_iso": now_iso,
             "is_before": is_before}
SAFE_BUILTINS = {name: getattr(builtins, name) for name in (
    "len", "min", "max", "sum", "abs", "round", "sorted", "any", "all", "str", "int", "float", "bool",
    "list", "dict", "True", "False", "None")}


def make_script_engine() -> PythonScriptEngine:
    """Engine with the product's functions and a reduced set of builtins (no import, open, eval …)."""
    return PythonScriptEngine(environment=TaskDataEnvironment({"__builtins__": SAFE_BUILTINS, **FUNCTIONS}))
