"""Several worker processes under gunicorn's arbiter (Linux and other Unix systems).

Each worker builds its own Flask app, and with it its own database engine, after the fork: no connection pool
crosses a fork. The arbiter itself opens no database connection.
"""
from __future__ import annotations

import gc
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from app.server.options import ServerOptions

WORKER_CLASS = "app.server.waitress_worker.WaitressWorker"


class PreforkServer(BaseApplication):
    def __init__(self, options: ServerOptions, app_factory: Callable, post_worker_init: Callable | None = None):
        self.options = options
        self.app_factory = app_factory
        self.post_worker_init = post_worker_init
        self.waitress_settings = options.waitress_settings()
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": [_bind_address(self.options.host, self.options.port)],
            "workers": self.options.workers,
            "worker_class": WORKER_CLASS,
            "backlog": self.options.backlog,
            "timeout": self.options.worker_timeout,
            "graceful_timeout": self.options.graceful_timeout,
            "proc_name": "haochaping",
            "errorlog": "-",
            "accesslog": None,
            "preload_app": False,
        }
        if self.post_worker_init is not None:
            hook = self.post_worker_init
            settings["post_worker_init"] = lambda worker: hook(worker.wsgi)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24: no control socket under $HOME
            settings["control_socket_disable"] = True
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        app = self.app_factory()
        gc.freeze()  # the app's long-lived objects leave the collector's generations: fewer, shorter full passes
        return app


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
