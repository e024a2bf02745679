"""Start the HTTP server: waitress in this process for one worker, gunicorn's arbiter for several."""
from __future__ import annotations

import gc
import logging
import signal
import threading
from dataclasses import replace

from app.server.limits import fitting_connection_limit, raise_open_files_limit
from app.server.options import ServerOptions
from app.server.scheduler_lock import run_when_elected

log = logging.getLogger(__name__)


class ServerError(RuntimeError):
    pass


def serve(app, options: ServerOptions, *, with_scheduler: bool) -> None:
    open_files = raise_open_files_limit()
    options = replace(options, connection_limit=fitting_connection_limit(options.connection_limit, open_files))
    if options.workers == 1:
        _serve_in_process(app, options, with_scheduler)
    else:
        _serve_prefork(app, options, with_scheduler)


def _start_scheduler(app) -> None:
    from app import jobs

    jobs.start_scheduler(app)


def _serve_in_process(app, options: ServerOptions, with_scheduler: bool) -> None:
    from app.server.waitress_front import WaitressFront

    front = WaitressFront(app, options.waitress_settings(), host=options.host, port=options.port)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    if with_scheduler:
        run_when_elected(app, _start_scheduler)
    log.info("serving on %s", ", ".join(f"http://{host}:{port}" for host, port in front.addresses))
    gc.freeze()  # the app's long-lived objects leave the collector's generations: fewer, shorter full passes
    front.run(lambda: not stopping.is_set())
    log.info("stopping: answering the requests already received")
    front.finish(options.graceful_timeout)


def _serve_prefork(app, options: ServerOptions, with_scheduler: bool) -> None:
    try:
        from app.server.prefork import PreforkServer
    except ImportError as err:  # gunicorn runs on Unix only
        raise ServerError("多个工作进程需要 gunicorn（仅 Linux/Unix）；在此平台请用 --workers 1 "
                          f"/ several workers need gunicorn (Unix only): {err}") from err
    from app import create_app

    app.extensions["db_engine"].dispose()  # the arbiter keeps no connection; each worker opens its own
    hook = (lambda worker_app: run_when_elected(worker_app, _start_scheduler)) if with_scheduler else None
    PreforkServer(options, create_app, post_worker_init=hook).run()
