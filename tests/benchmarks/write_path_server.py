"""The production server for the write-path benchmark: `haochaping serve` as a subprocess on a free port,
with several worker processes when the command offers ``--workers``, and many HTTP clients posting at once."""
from __future__ import annotations

import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from app.cli import main; main()"]
START_TIMEOUT = 90
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCP_")}
    env.update(HCP_ENV="development", HCP_DATABASE_URL=database_url, HCP_LOG_LEVEL="WARNING",
               HCP_SCHEDULER_ENABLED="false", PYTHONPATH=str(REPO_ROOT))
    return env


def serve_command(workers: int) -> tuple[list[str], str]:
    """The serve command line and how it runs: with ``--workers`` when the command has it."""
    help_text = subprocess.run([*CLI, "serve", "--help"], capture_output=True, text=True, cwd=REPO_ROOT,
                               env=_environment("sqlite://"), check=True).stdout
    args = ["serve", "--host", "127.0.0.1", "--no-scheduler"]
    if "--workers" in help_text:
        return [*CLI, *args, "--workers", str(workers)], f"--workers {workers}"
    return [*CLI, *args], "one process, no --workers option"


@contextmanager
def running_server(database_url: str, workers: int):
    """Yields (port, description) of a started server; stops it (its whole process group) afterwards."""
    command, description = serve_command(workers)
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="hcp-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen([*command, "--port", str(port)], cwd=REPO_ROOT, env=_environment(database_url),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=_stop_with_parent)
    try:
        _wait_until_up(process, port, Path(log.name))
        yield port, description
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        os.unlink(log.name)


def _stop_with_parent() -> None:
    """Linux: the server gets SIGTERM when this process dies (killed, or a test run interrupted), so it never
    outlives the benchmark even though it runs in its own session."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_until_up(process, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer on port {port} within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def post_concurrently(port: int, token: str, bodies: Sequence[dict], clients: int) -> float:
    """POSTs every body to /api/v1/evaluations from ``clients`` threads (one keep-alive connection each);
    returns the seconds from the first request to the last answer. Any answer but 201 is an error."""
    shares = [bodies[i::clients] for i in range(clients)]
    failures: list[str] = []

    def client(share: Sequence[dict]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in share:
            connection.request("POST", "/api/v1/evaluations", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 201:
                failures.append(f"{response.status}: {answer[:300]!r}")
        connection.close()

    seconds = run_threads(client, shares)
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(bodies)} posts failed, first: {failures[0]}")
    return seconds


def run_threads(work: Callable[[Sequence], None], shares: Sequence[Sequence]) -> float:
    """Runs ``work(share)`` in one thread per share, all released together; returns the wall seconds."""
    gate = threading.Barrier(len(shares) + 1)
    errors: list[BaseException] = []

    def run(share) -> None:
        gate.wait()
        try:
            work(share)
        except BaseException as err:  # noqa: BLE001 - reported below, in the caller's thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return seconds
