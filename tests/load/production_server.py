"""Start `haochaping serve` as its own process on a free loopback port, wait for its health check, stop it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from app.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(args: list[str], env: dict[str, str], check: bool = True) -> str:
    """Runs a `haochaping` command; its output (standard error too when ``check`` is off)."""
    done = subprocess.run(CLI + args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        raise RuntimeError(f"haochaping {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout if check else done.stdout + done.stderr


class ProductionServer:
    """``with ProductionServer(database_url, workers=2, workdir=path) as server: server.url``"""

    def __init__(self, database_url: str, *, workers: int, workdir: Path, threads: int | None = None,
                 scheduler: bool = True, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.scheduler = scheduler
        self.log_path = workdir / f"server-{self.port}.log"
        self.env = {**os.environ, "HCP_ENV": "development", "HCP_DATABASE_URL": database_url,
                    "HCP_SCHEDULER_LOCK_FILE": str(workdir / "scheduler.lock"), **(extra_env or {})}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ProductionServer:
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.threads:
            args += ["--threads", str(self.threads)]
        if not self.scheduler:
            args.append("--no-scheduler")
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(CLI + args, cwd=REPO_ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_healthy(timeout=60)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"no health check answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
