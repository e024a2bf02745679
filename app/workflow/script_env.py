"""The functions a model's expressions may call, and the script engine that offers them.

Deadlines are ISO instants with an offset (what SpiffWorkflow's timers need), computed on the official
working-day calendar, so a task's due date and its timer come from the same expression.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.calendar import get_calendar
from app.clock import now
from app.workflow import sandbox


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
_calculations: ContextVar[list[dict[str, Any]] | None] = ContextVar("deadline_calculations", default=None)


@contextmanager
def recording_calculations() -> Iterator[list[dict[str, Any]]]:
    log: list[dict[str, Any]] = []
    token = _calculations.set(log)
    try:
        yield log
    finally:
        _calculations.reset(token)


# Names the expressions and scripts of one engine advance mentioned (read or wrote), so a start can tell
# whether its outcome depends on a value of the start data (``app.workflow.template``).
_names: ContextVar[set[str] | None] = ContextVar("names_mentioned", default=None)


@contextmanager
def recording_names() -> Iterator[set[str]]:
    mentioned: set[str] = set()
    token = _names.set(mentioned)
    try:
        yield mentioned
    finally:
        _names.reset(token)


def _mention(source: str, mode: str) -> None:
    mentioned = _names.get()
    if mentioned is not None:
        mentioned |= sandbox.names_in(source, mode=mode)


def _remember(function: str, args: list[Any], value: str, provisional: bool) -> None:
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


def recalculate(calculation: dict[str, Any]) -> str:
    """The same calculation on the calendar as it is now."""
    value: str = FUNCTIONS[calculation["function"]](*calculation["args"])
    return value


def now_iso() -> str:
    return now().isoformat()


def is_before(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) < datetime.fromisoformat(b)


FUNCTIONS: dict[str, Callable[..., Any]] = {"deadline": deadline, "working_days_before": working_days_before,
                                            "now_iso": now_iso, "is_before": is_before}
SAFE_BUILTINS = {name: getattr(builtins, name) for name in sandbox.SAFE_BUILTIN_NAMES}
CALLABLES = sandbox.allowed_callables(FUNCTIONS)
# Names every model may read even when the start data lacks them: ``policy`` holds the active policy
# profile's overrides (app.policy), and a model run without one (tests, dry runs) keeps its defaults.
DATA_DEFAULTS: dict[str, Any] = {"policy": MappingProxyType({})}


class SandboxedEnvironment(TaskDataEnvironment):
    """Runs expressions and scripts only after the sandbox check, with guarded operators and a time budget.

    Task data is the local namespace, the functions and restricted builtins the global one, so a
    script's assignments land in the data and nothing of the environment leaks into it.
    """

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        code = sandbox.compile_checked(expression, "eval", CALLABLES)
        _mention(expression, "eval")
        with sandbox.TimeBudget():
            result = eval(code, self._globals(external_context), context)  # noqa: S307 - checked above
            sandbox.check_value(result)
        return result

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        code = sandbox.compile_checked(script, "exec", CALLABLES)
        _mention(script, "exec")
        with sandbox.TimeBudget():
            exec(code, self._globals(external_context), context)  # noqa: S102 - checked above
        return True

    def _globals(self, external_context: dict[str, Any] | None) -> dict[str, Any]:
        namespace = {**DATA_DEFAULTS, **self.globals, **sandbox.GUARDS}
        namespace.update({k: v for k, v in (external_context or {}).items() if not k.startswith("_")})
        return namespace


def make_script_engine() -> PythonScriptEngine:
    """Engine with the product's functions, restricted builtins and the expression sandbox."""
    return PythonScriptEngine(environment=SandboxedEnvironment({"__builtins__": SAFE_BUILTINS, **FUNCTIONS}))


def check_timer(kind: str, expression: str, data: dict[str, Any]) -> str | None:
    """None when the expression gives a usable value on ``data``; otherwise what is wrong."""
    environment = make_script_engine().environment
    try:
        value = environment.evaluate(expression, dict(data))
    except sandbox.SandboxError as err:
        return f"被沙箱拒绝：{err}"
    except Exception as err:  # noqa: BLE001 - any failure is the finding
        return f"无法求值：{type(err).__name__}: {err}"
    if not isinstance(value, str):
        return f"的结果不是 ISO 8601 文本（得到 {type(value).__name__}，如需时长请加引号，如 \"P1D\"）"
    try:
        if kind == "timeDate":
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                return f"的结果 {value} 没有时区偏移（请使用带偏移的时间，如 deadline(...) 的结果）"
            TimerEventDefinition.get_datetime(value)
        elif kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(value)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - the library raises bare Exception for bad durations
        return f"的结果 {value!r} 不是有效的 ISO 8601 时间、时长或循环"
    return None
