"""Each `haochaping` command as an operator runs it, against a new database: exit codes and messages."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.conftest import throwaway_database

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.no_transaction


@pytest.fixture
def database(tmp_path):
    with throwaway_database(tmp_path) as url:
        yield url


@pytest.fixture
def haochaping(database, monkeypatch):
    """Runs a command in this process, as `haochaping ARGS` would with HCP_DATABASE_URL set."""
    monkeypatch.setenv("HCP_ENV", "testing")
    monkeypatch.setenv("HCP_DATABASE_URL", database)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def test_db_upgrade_heads_and_downgrade(haochaping):
    upgraded = haochaping("db", "upgrade")
    assert upgraded.exit_code == 0 and "数据库已迁移至 head" in upgraded.output
    heads = haochaping("db", "heads")
    assert heads.exit_code == 0 and len(heads.output.split()) == 1
    down = haochaping("db", "downgrade", "base")
    assert down.exit_code == 0 and "数据库已回退至 base" in down.output


def test_db_upgrade_to_an_unknown_revision_fails(haochaping):
    result = CliRunner().invoke(main, ["db", "upgrade", "no_such_revision"])
    assert result.exit_code != 0


def test_tick_fires_nothing_on_an_empty_database_and_refuses_a_bad_instant(haochaping):
    haochaping("db", "upgrade")
    result = haochaping("tick")
    assert result.exit_code == 0 and "已处理 0 个到期工单" in result.output
    later = haochaping("tick", "--now", "2026-12-07T08:00:00+08:00")
    assert later.exit_code == 0 and "已处理 0 个" in later.output
    naive = haochaping("tick", "--now", "2026-12-07T08:00:00")
    assert naive.exit_code == 2 and "时间必须带时区偏移" in naive.output
    garbage = haochaping("tick", "--now", "tomorrow")
    assert garbage.exit_code == 2 and "需要 ISO 时间" in garbage.output


def test_a_command_leaves_a_sealed_chain_that_audit_verify_and_an_exported_checkpoint_confirm(haochaping, tmp_path):
    haochaping("db", "upgrade")
    assert haochaping("seed-demo", "--cases", "5").exit_code == 0  # thousands of audit events, then sealed
    verified = haochaping("audit", "verify")
    assert verified.exit_code == 0 and "审计链完整" in verified.output and "待封存" not in verified.output
    kept = tmp_path / "checkpoint.json"
    exported = haochaping("audit", "checkpoint", "--export", str(kept))
    assert exported.exit_code == 0 and "已导出检查点 #1" in exported.output
    assert haochaping("audit", "verify", "--checkpoint", str(kept)).exit_code == 0
    missing = CliRunner().invoke(main, ["audit", "verify", "--checkpoint", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "无法读取检查点文件" in missing.output


def test_recompute_deadlines_on_an_empty_database_moves_nothing(haochaping):
    haochaping("db", "upgrade")
    result = haochaping("recompute-deadlines")
    assert result.exit_code == 0 and "deadlines moved: 0" in result.output


def test_seed_demo_loads_a_small_slice_and_refuses_a_negative_count(haochaping):
    haochaping("db", "upgrade")
    result = haochaping("seed-demo", "--cases", "20")
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output
    again = haochaping("seed-demo", "--cases", "20")
    assert again.exit_code == 0 and "nothing changed" in again.output
    refused = CliRunner().invoke(main, ["seed-demo", "--cases", "-1"])
    assert refused.exit_code == 2 and "--cases" in refused.output


def test_an_unknown_command_exits_2_with_usage(haochaping):
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_serve_refuses_a_bad_port_and_documents_its_options(haochaping):
    assert "--no-scheduler" in haochaping("serve", "--help").output
    refused = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert refused.exit_code == 2 and "--port" in refused.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_health_checks_on_the_given_port(database):
    env = {**os.environ, "HCP_ENV": "testing", "HCP_DATABASE_URL": database}  # health needs no tables
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", "from app.cli import main; main()", "serve", "--port",
                               str(port), "--no-scheduler"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline, answer = time.monotonic() + 30, None
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    answer = response.status
            except OSError:
                time.sleep(0.2)
        assert answer == 200, server.stdout.read().decode() if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}" in output
    assert "数据库: sqlite" in output or "数据库: postgresql" in output
