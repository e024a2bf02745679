"""Who commits (STYLE.md): services change and flush; the route, page, CLI command or job that started the
work owns the commit. A domain module that commits splits one state change into two transactions."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
EDGES = ("routes.py", "pages.py", "cli.py", "jobs.py")
SIGN_IN = APP / "web" / "auth.py"  # the sign-in and sign-out pages


def _is_edge(path: Path) -> bool:
    return path.name.endswith(EDGES) or path == SIGN_IN


def _commits(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit" \
                and ast.unparse(node.func.value).endswith("session"):
            yield node.lineno


def test_only_routes_pages_commands_and_jobs_commit():
    offenders = [f"{path.relative_to(APP)}:{line}" for path in sorted(APP.rglob("*.py")) if not _is_edge(path)
                 for line in _commits(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == []


def _transaction_loops(tree: ast.AST):
    """Functions with a loop that commits per item and rolls back on error."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for loop in ast.walk(function):
            if isinstance(loop, ast.For | ast.While):
                text = ast.unparse(loop)
                if ".commit()" in text and ".rollback()" in text and "except" in text:
                    yield function.name
                    break


def test_the_per_id_job_loop_is_written_once():
    loops = sorted(f"{path.relative_to(APP)}:{name}" for path in APP.rglob("*.py")
                   for name in _transaction_loops(ast.parse(path.read_text(encoding="utf-8"))))
    # The outbox's loop is the other kind: claim and commit before the sender is called, then record.
    assert loops == ["jobs.py:for_each_due", "notification/jobs.py:deliver_notifications"]
