"""Architecture rules from STYLE.md, checked on the source tree."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _modules():
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_only_the_workflow_package_imports_spiffworkflow():
    offenders = [str(p.relative_to(APP)) for p, tree in _modules()
                 if not p.is_relative_to(APP / "workflow")
                 and any(name.split(".")[0] == "SpiffWorkflow" for name in _imports(tree))]
    assert offenders == []


def test_nothing_imports_routes():
    offenders = [str(p.relative_to(APP)) for p, tree in _modules()
                 if p.name != "__init__.py" or p.parent != APP
                 for name in _imports(tree) if name.endswith(".routes")]
    assert offenders == []


def test_models_import_no_services():
    offenders = [str(p.relative_to(APP)) for p, tree in _modules() if p.name == "models.py"
                 for name in _imports(tree) if name.endswith(".service")]
    assert offenders == []


def test_no_code_reads_the_system_time_outside_the_clock():
    forbidden = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                 ("time", "time")}
    offenders = []
    for path, tree in _modules():
        if path.name == "clock.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in forbidden:
                offenders.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert offenders == []
