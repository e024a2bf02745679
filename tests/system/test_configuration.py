"""One source for each default: config/default.py defines the settings, the code reads them without a second
default of its own (a literal repeated in code drifts from the configuration the README documents)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _defined() -> set[str]:
    tree = ast.parse((ROOT / "config" / "default.py").read_text(encoding="utf-8"))
    return {target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and target.id.isupper()}


def _second_defaults(defined: set[str]):
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)):
                continue
            owner = ast.unparse(node.func.value)
            if owner.endswith("config") and node.args[0].value in defined:
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.args[0].value}"


def _outreach_settings_with_defaults():
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("setting", "return_visit")) \
                    and len(node.args) > 1:
                yield f"{path.relative_to(ROOT)}:{node.lineno}"


def test_no_code_repeats_a_default_of_the_configuration():
    assert list(_second_defaults(_defined())) == []


def test_outreach_settings_come_from_the_configuration_only():
    assert list(_outreach_settings_with_defaults()) == []


def test_every_outreach_setting_the_code_reads_is_defined():
    defined = _defined()
    read = set()
    for path in sorted((ROOT / "app" / "outreach").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("setting") and node.args \
                    and isinstance(node.args[0], ast.Constant):
                read.add(f"OUTREACH_{node.args[0].value}")
    assert read and read <= defined
