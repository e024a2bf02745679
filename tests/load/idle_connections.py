"""Idle and slow clients: the production server keeps answering its health check while 1,000 idle sockets and
300 slowly trickling sockets (one byte of a request every few seconds) are open.

A bounded loopback run: starts `haochaping serve` on a free port with a throwaway SQLite database, opens the
sockets, probes `/healthz` over a fresh connection every 0.2 s for ``--seconds``, then sends a request on every
idle socket to show the server still holds it. Prints a table; exits 1 when a probe failed or took ≥ 1 s, when an
idle socket was not answered or a trickling one was dropped.

    python tests/load/idle_connections.py [--workers 2] [--idle 1000] [--trickle 300] [--seconds 20]
"""
from __future__ import annotations

import argparse
import http.client
import os
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app.server.limits import raise_open_files_limit  # noqa: E402
from tests.load.production_server import ProductionServer, cli  # noqa: E402

PROBE_EVERY = 0.2
PROBE_LIMIT = 1.0  # seconds: a slower probe fails the run
TRICKLE_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-Client: " + b"a" * 4000


def open_sockets(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


class Trickler(threading.Thread):
    """Sends one more byte of an unfinished request on each socket every ``interval`` seconds (staggered)."""

    def __init__(self, sockets: list[socket.socket], interval: float) -> None:
        super().__init__(daemon=True)
        self.sockets, self.interval = sockets, interval
        self.stop = threading.Event()
        self.dropped: set[int] = set()
        self.sent = 0

    def run(self) -> None:
        start = time.monotonic()
        due = [start + self.interval * i / len(self.sockets) for i in range(len(self.sockets))]
        position = [0] * len(self.sockets)
        while not self.stop.wait(0.05):
            now = time.monotonic()
            for i, sock in enumerate(self.sockets):
                if i in self.dropped or due[i] > now:
                    continue
                try:
                    sock.send(TRICKLE_REQUEST[position[i]:position[i] + 1])
                    position[i] += 1
                    self.sent += 1
                except OSError:
                    self.dropped.add(i)
                due[i] += self.interval


class Prober(threading.Thread):
    """GET /healthz over a new connection every PROBE_EVERY seconds; latencies, and failures with their reason."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                answer = conn.getresponse()
                answer.read()
                conn.close()
                if answer.status != 200:
                    self.failures.append(f"HTTP {answer.status}")
            except OSError as err:
                self.failures.append(f"{type(err).__name__}: {err}")
            elapsed = time.monotonic() - started
            self.latencies.append(elapsed)
            self.stop.wait(max(0.0, PROBE_EVERY - elapsed))


def still_open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def answered_on_each(sockets: list[socket.socket], timeout: float = 30.0) -> int:
    """Send a health check on every socket; how many got an HTTP 200 back within ``timeout``."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    selector = selectors.DefaultSelector()
    for sock in sockets:
        try:
            sock.send(request)
            selector.register(sock, selectors.EVENT_READ, data=bytearray())
        except OSError:
            pass
    answered = 0
    deadline = time.monotonic() + timeout
    while selector.get_map() and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1.0):
            try:
                chunk = key.fileobj.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            key.data.extend(chunk)
            if key.data.startswith(b"HTTP/1.1 200") or not chunk:
                answered += key.data.startswith(b"HTTP/1.1 200")
                selector.unregister(key.fileobj)
    selector.close()
    return answered


def run(args: argparse.Namespace, workdir: Path) -> int:
    database_url = f"sqlite:///{workdir / 'idle.sqlite3'}"
    with ProductionServer(database_url, workers=args.workers, workdir=workdir) as server:
        opened = time.monotonic()
        idle = open_sockets(server.port, args.idle)
        slow = open_sockets(server.port, args.trickle)
        opened = time.monotonic() - opened
        trickler, prober = Trickler(slow, args.interval), Prober(server.port)
        trickler.start()
        prober.start()
        time.sleep(args.seconds)
        prober.stop.set()
        trickler.stop.set()
        prober.join()
        trickler.join()
        slow_open = sum(still_open(sock) for sock in slow) if not trickler.dropped else 0
        idle_answered = answered_on_each(idle)
        for sock in idle + slow:
            sock.close()
    return report(args, prober, trickler, opened, slow_open, idle_answered)


def report(args, prober: Prober, trickler: Trickler, opened: float, slow_open: int, idle_answered: int) -> int:
    latencies = sorted(prober.latencies)
    worst = latencies[-1] if latencies else float("inf")
    rows = [
        ("worker processes", f"{args.workers}"),
        ("idle sockets opened / answered at the end", f"{args.idle} / {idle_answered}"),
        ("trickling sockets open at the end (1 byte every "
         f"{args.interval:g} s, {trickler.sent} bytes sent)", f"{slow_open} of {args.trickle}"),
        ("seconds to open all sockets", f"{opened:.2f}"),
        ("health probes / failed", f"{len(latencies)} / {len(prober.failures)}"),
        ("probe latency p50 / p95 / max (ms)",
         f"{statistics.median(latencies) * 1000:.1f} / {latencies[int(len(latencies) * 0.95)] * 1000:.1f} / "
         f"{worst * 1000:.1f}" if latencies else "-"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    problems = [f"probe failed: {reason}" for reason in prober.failures[:5]]
    if worst >= PROBE_LIMIT:
        problems.append(f"slowest probe took {worst:.2f} s (limit {PROBE_LIMIT:g} s)")
    if idle_answered < args.idle:
        problems.append(f"only {idle_answered} of {args.idle} idle sockets were answered")
    if slow_open < args.trickle:
        problems.append(f"{args.trickle - slow_open} trickling sockets were dropped")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: every probe answered within the limit while all sockets were held")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=300)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between bytes of a trickling socket")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to probe")
    args = parser.parse_args()
    raise_open_files_limit()  # this client holds every socket too
    with tempfile.TemporaryDirectory(prefix="hcp-idle-") as tmp:
        workdir = Path(tmp)
        cli(["db", "upgrade"], {**os.environ, "HCP_DATABASE_URL": f"sqlite:///{workdir / 'idle.sqlite3'}"})
        return run(args, workdir)


if __name__ == "__main__":
    sys.exit(main())
