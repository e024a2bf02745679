"""The write-path benchmark keeps running: its smoke mode (N = 200, few repetitions) on the suite's database.

Nothing about time is asserted; the script fails when a row cannot be measured (an endpoint answers an error,
a timer does not fire, a figure is missing).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.no_transaction
def test_the_write_path_benchmark_measures_every_row_in_smoke_mode():
    server = os.environ.get("HCP_TEST_DATABASE_URL")
    env = {**os.environ, "HCP_BENCH_DATABASE_URL": server or ""}
    result = subprocess.run(
        [sys.executable, "tests/benchmarks/bench_write_path.py", "--smoke",
         "--database", "postgresql" if server else "sqlite"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for row in ("POST /api/v1/evaluations/batch", "POST /api/v1/evaluations, 16 HTTP clients", "happy path",
                "GET /api/v1/tasks", "/tasks page", "timer tick with nothing due", "timers fired"):
        assert row in result.stdout
    assert "rows ran and produced a figure" in result.stdout
