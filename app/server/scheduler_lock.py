"""One scheduler per machine: the process holding an exclusive lock on a file in the instance folder runs the jobs.

Every serving process (each gunicorn worker, a single waitress process, `haochaping scheduler`) tries for the lock
and the first one runs the scheduler; when that process ends, the operating system releases the lock and another
takes over within SCHEDULER_LOCK_RETRY_SECONDS. Several machines each run one scheduler; the jobs are safe with that
(each timer fires once under a row lock).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


def lock_path(app) -> Path:
    configured = app.config.get("SCHEDULER_LOCK_FILE")
    path = Path(configured) if configured else Path(app.instance_path) / "scheduler.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def try_lock(path: Path) -> int | None:
    """An open descriptor holding the lock, or None when another process holds it."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def run_when_elected(app, start) -> threading.Thread | None:
    """Call ``start(app)`` in this process once it holds the scheduler lock (at once, or after the holder ended).

    Where the platform has no ``fcntl`` (Windows) there is nothing to share the lock with: start at once.
    """
    try:
        import fcntl  # noqa: F401
    except ImportError:
        start(app)
        return None
    path = lock_path(app)
    retry_seconds = float(app.config["SCHEDULER_LOCK_RETRY_SECONDS"])

    def elect() -> None:
        while (fd := try_lock(path)) is None:
            time.sleep(retry_seconds)
        app.extensions["scheduler_lock"] = fd  # held, and so kept open, for the life of the process
        log.info("process %s runs the scheduler (lock %s)", os.getpid(), path)
        start(app)

    thread = threading.Thread(target=elect, name="scheduler-election", daemon=True)
    thread.start()
    return thread
