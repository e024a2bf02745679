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


def _app_imports(path: Path, tree) -> set[str]:
    """Every ``app.…`` module a file imports, with ``from app import x`` and relative imports spelled out."""
    package = path.relative_to(APP.parent).with_suffix("").parts[:-1]  # app/x/__init__.py and app/x/y.py: app.x
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
            names.add(base)
            if base == "app" or node.module is None:  # ``from app import audit``, ``from . import x`` name modules
                names |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in names if name == "app" or name.startswith("app.")}


def _within(name: str, packages) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


# The engine adapter stands on the calendar (working-day functions), the clock, the error types and the
# settings; everything it knows of cases and model versions is handed to it by the packages above.
WORKFLOW_MAY_IMPORT = ("app.workflow", "app.calendar", "app.clock", "app.errors", "app.settings")

# The layers below the case package: what starting and running a case is built on. Each entry is a package
# (every module in it) or a single module. ``app.case`` sits on them; ``app.task`` (its commands lock and
# advance cases) and the read sides of audit and stats sit above it. ``app.policy`` is used by case (profiles)
# but policy/calendar_years.py still calls app.case.recompute after a calendar upload, so it is not listed yet.
BELOW_CASE = ("workflow", "calendar", "org", "user", "notification", "process_model",
              "audit/__init__.py", "audit/models.py", "audit/service.py")
# A package's entry points are the top of the house (nothing imports them) and may call any service: the
# model registry's pages, API and CLI preview and move running cases (app.case.migration).
ENTRY_POINTS = ("pages.py", "routes.py", "cli.py")


def _below_case(path: Path) -> bool:
    relative = path.relative_to(APP).as_posix()
    return path.name not in ENTRY_POINTS and any(
        relative == entry if entry.endswith(".py") else relative.startswith(entry + "/") for entry in BELOW_CASE)


def test_the_workflow_package_imports_only_the_calendar_clock_errors_and_settings_of_the_app():
    offenders = [f"{p.relative_to(APP)}: {name}" for p, tree in _modules() if p.is_relative_to(APP / "workflow")
                 for name in sorted(_app_imports(p, tree))
                 if name != "app" and not _within(name, WORKFLOW_MAY_IMPORT)]
    assert offenders == []


def test_nothing_below_the_case_package_imports_it():
    offenders = [f"{p.relative_to(APP)}: {name}" for p, tree in _modules() if _below_case(p)
                 for name in sorted(_app_imports(p, tree)) if _within(name, ("app.case",))]
    assert offenders == []


def test_the_layers_below_case_exist():
    """A renamed package would silently drop out of the rule above."""
    missing = [entry for entry in BELOW_CASE if not (APP / entry).exists()]
    assert missing == []


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
