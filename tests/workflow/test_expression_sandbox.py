"""Model expressions run in a sandbox: known escapes are refused at upload and contained at run time."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.workflow import sandbox
from app.workflow.engine import CaseWorkflow
from app.workflow.errors import WorkflowRuntimeError
from app.workflow.registry import parse, read_model_files
from app.workflow.script_env import CALLABLES, make_script_engine

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "[].__class__.__mro__[1].__subclasses__()",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "getattr((), '__class__')",
    "eval('1')",
    "exec('import os')",
    "globals()",
    "type(1)",
    "'{0.__class__.__base__}'.format(())",
    "str.format('{0.__globals__}', deadline)",
    "f'{received_at:>999999999}'",
    "deadline.__globals__['get_calendar']",
    "(lambda: 1)()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "now_iso.__code__",
    "9 ** 9 ** 9",
    "policy.__class__",
    "vars()",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_a_known_escape_is_refused_at_upload(expression):
    problems = sandbox.check(expression, mode="eval", callables=CALLABLES)
    assert problems, expression
    assert all(isinstance(p, str) and p for p in problems)


@pytest.mark.parametrize("expression", ESCAPES)
def test_a_known_escape_is_refused_at_run_time_too(app, expression):
    environment = make_script_engine().environment
    with pytest.raises(sandbox.SandboxError):
        environment.evaluate(expression, {"received_at": "2026-11-20T10:00:00+08:00"})


@pytest.mark.parametrize("script", [
    "import os",
    "from os import path",
    "def f():\n    return 1",
    "class A:\n    pass",
    "while True:\n    pass",
    "for x in items:\n    total = x",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "with open('/etc/passwd') as f:\n    data = f",
    "global x",
    "x.attribute = 1",
    "len = 3",
    "_hidden = 1",
    "del x",
    "assert x",
])
def test_scripts_may_not_define_loop_import_or_reach_the_environment(script):
    assert sandbox.check(script, mode="exec", callables=CALLABLES)


def test_string_formatting_with_percent_is_refused_when_it_runs(app):
    environment = make_script_engine().environment
    with pytest.raises(sandbox.SandboxError, match="格式化"):
        environment.evaluate("template % value", {"template": "%s", "value": 1})
    assert environment.evaluate("a % b", {"a": 7, "b": 3}) == 1


@pytest.mark.parametrize(("expression", "data"), [
    ("text * n", {"text": "x", "n": 10 ** 9}),
    ("items * n", {"items": [1], "n": 10 ** 9}),
    ("big * big", {"big": 2 ** 4000}),
    ("base ** 2", {"base": 10 ** 1000}),
])
def test_operators_cannot_build_huge_values(app, expression, data):
    # Refused before the value is built: building it would take seconds and gigabytes.
    with pytest.raises(sandbox.SandboxError):
        make_script_engine().environment.evaluate(expression, data)


def test_a_script_doubling_a_value_line_after_line_is_stopped(app):
    script = "\n".join(["x = [x, x]"] * 40)
    with pytest.raises(sandbox.SandboxError, match="过大"):
        make_script_engine().environment.execute(script, {"x": [1]})


@pytest.mark.parametrize("source", [
    "(" * 1000 + "1" + ")" * 1000,
    "-" * 19_000 + "1",
    "1" + "+1" * 5000,
    "[" * 60 + "]" * 60,
    "x" * (sandbox.MAX_SOURCE_CHARS + 1),
    "not " * 3000 + "x",
])
def test_deeply_nested_or_huge_expressions_are_refused(source):
    assert sandbox.check(source, mode="eval", callables=CALLABLES)


def test_the_time_budget_stops_a_slow_evaluation(app, monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_BUDGET_SECONDS", -1.0)
    with pytest.raises(sandbox.SandboxError, match="秒"):
        make_script_engine().environment.evaluate("1 + 1", {})


def test_ordinary_model_code_runs_and_keeps_the_environment_out_of_the_data(app):
    data = {"received_at": "2026-11-20T10:00:00+08:00", "category": "general"}
    script = ('limit_days = {"simple": 0, "general": 5, "complex": 15}\n'
              'limit_days.update(policy.get("limit_days", {}))\n'
              'if category == "general":\n    note = "一般" + "差评"\nelse:\n    note = ""\n'
              'rectify_deadline = deadline(received_at, limit_days[category])\n'
              'count = 1\ncount += len([1, 2])')
    make_script_engine().environment.execute(script, data)
    assert data["rectify_deadline"] == "2026-11-27T16:00:00+00:00"
    assert data["note"] == "一般差评" and data["count"] == 3
    assert set(data) == {"received_at", "category", "limit_days", "note", "rectify_deadline", "count"}


def test_policy_overrides_from_the_start_data_win_over_the_defaults(app):
    data = {"policy": {"limit_days": {"general": 3}}}
    make_script_engine().environment.execute(
        'limit_days = {"general": 5}\nlimit_days.update(policy.get("limit_days", {}))', data)
    assert data["limit_days"] == {"general": 3}


def test_a_script_cannot_keep_a_function_in_the_data(app):
    with pytest.raises(sandbox.SandboxError, match="数据值"):
        make_script_engine().environment.execute("f = deadline", {})


def test_a_model_that_slipped_into_the_database_is_contained_when_it_runs(app):
    """parse() (used for stored versions) does not run the upload check; the run-time check still holds."""
    xml, forms = read_model_files(BPMN)
    hostile = xml.replace('action == "appeal"', "open('/etc/passwd').read() != ''")
    bundle = parse(hostile, forms, "bad_review")
    workflow, _ = CaseWorkflow.start(bundle, {"case_id": 1, "case_no": "CP-1", "evaluation_level": 1,
                                              "real_name": True, "responsible_org": "A-HR",
                                              "received_at": "2026-11-20T02:00:00+00:00"})
    task = workflow.ready_human_tasks()[0]
    with pytest.raises(WorkflowRuntimeError) as raised:
        workflow.complete(task.uuid, {"action": "appeal"})
    assert "open" in str(raised.value) and "root:" not in str(raised.value)
