"""`haochaping serve` and `haochaping scheduler`: settings, one or several processes, and one scheduler per machine."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from click.testing import CliRunner

from app.cli import main
from app.server.limits import fitting_connection_limit
from app.server.options import ServerOptions
from app.server.scheduler_lock import try_lock
from app.settings import ConfigError
from tests.load.production_server import CLI, REPO_ROOT, ProductionServer, cli

pytestmark = pytest.mark.no_transaction


def test_the_server_settings_come_from_the_configuration_and_the_options_win(app):
    options = ServerOptions.from_config(app.config, port=8080, workers=None)
    assert (options.host, options.port, options.workers, options.threads) == ("127.0.0.1", 8080, 1, 8)
    assert options.waitress_settings()["connection_limit"] == app.config["SERVER_CONNECTION_LIMIT"]
    assert options.waitress_settings()["asyncore_use_poll"] is True


@pytest.mark.parametrize("value", ["0", "many", "-3", "65"])
def test_a_bad_worker_count_in_the_environment_stops_serve_with_its_name(monkeypatch, tmp_path, value):
    monkeypatch.setenv("HCP_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("HCP_WORKERS", value)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "HCP_WORKERS" in result.output


def test_a_bad_worker_count_in_the_configuration_is_refused(app):
    with pytest.raises(ConfigError, match="HCP_THREADS"):
        ServerOptions.from_config({**app.config, "THREADS": 0})


def test_the_connection_limit_stays_below_the_open_files_limit():
    assert fitting_connection_limit(4000, 20000) == 4000
    assert fitting_connection_limit(4000, 1024) == 1024 - 256
    assert fitting_connection_limit(4000, None) == 4000


def test_only_one_holder_of_the_scheduler_lock_at_a_time(tmp_path):
    path = tmp_path / "scheduler.lock"
    first = try_lock(path)
    assert first is not None
    assert try_lock(path) is None
    os.close(first)
    second = try_lock(path)
    assert second is not None
    os.close(second)


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    cli(["db", "upgrade"], {**os.environ, "HCP_DATABASE_URL": url})
    return url


def _health(server) -> dict:
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as answer:
        assert answer.status == 200
        return json.load(answer)


def _scheduler_pid(lock_file, other_than: int | None = None, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = lock_file.read_text().strip() if lock_file.exists() else ""
        if text and int(text) != other_than:
            return int(text)
        time.sleep(0.2)
    raise AssertionError(f"no process took the scheduler lock within {timeout} s")


def _worker_pids(arbiter_pid: int) -> set[int]:
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(arbiter_pid)], capture_output=True, text=True)
    return {int(pid) for pid in children.stdout.split()}


def test_several_workers_serve_and_another_takes_the_scheduler_when_its_process_dies(sqlite_url, tmp_path):
    with ProductionServer(sqlite_url, workers=2, workdir=tmp_path,
                          extra_env={"HCP_SCHEDULER_LOCK_RETRY_SECONDS": "1"}) as server:
        assert _health(server)["status"] == "ok"
        workers = _worker_pids(server.process.pid)
        assert len(workers) == 2
        lock_file = tmp_path / "scheduler.lock"
        holder = _scheduler_pid(lock_file)
        assert holder in workers

        os.kill(holder, signal.SIGKILL)
        successor = _scheduler_pid(lock_file, other_than=holder)
        assert successor != holder and successor in _worker_pids(server.process.pid)
        assert _health(server)["status"] == "ok"
    assert server.process.returncode == 0
    assert "runs the scheduler" in server.log_path.read_text()


def test_one_process_serves_and_stops_cleanly_on_sigterm(sqlite_url, tmp_path):
    with ProductionServer(sqlite_url, workers=1, workdir=tmp_path) as server:
        assert _health(server)["status"] == "ok"
        assert _worker_pids(server.process.pid) == set()  # no child processes: waitress alone
    assert server.process.returncode == 0
    log = server.log_path.read_text()
    assert "1 个进程" in log and "stopping" in log


def test_the_scheduler_command_runs_the_jobs_until_stopped(sqlite_url, tmp_path):
    lock_file = tmp_path / "scheduler.lock"
    env = {**os.environ, "HCP_DATABASE_URL": sqlite_url, "HCP_SCHEDULER_LOCK_FILE": str(lock_file)}
    process = subprocess.Popen([*CLI, "scheduler"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert _scheduler_pid(lock_file) == process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "scheduler started with" in output and "定时任务已停止" in output
