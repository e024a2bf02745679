"""A gunicorn worker that serves its share of the listening socket with waitress's event loop.

gunicorn's arbiter starts, watches and replaces the worker processes; waitress reads each request whole before a
thread runs it, so idle and slowly sending clients hold a socket each and never a request thread (gunicorn's own
sync and gthread workers give a blocked thread to a client that sends a byte now and then).
"""
from __future__ import annotations

import os

from gunicorn.workers.base import Worker

from app.server.waitress_front import WaitressFront


class WaitressWorker(Worker):
    def run(self) -> None:
        front = WaitressFront(self.wsgi, self.app.waitress_settings,
                              sockets=[listener.sock for listener in self.sockets])
        front.run(lambda: self.alive and self.ppid == os.getppid(), each_turn=self.notify)
        front.finish(self.cfg.graceful_timeout, each_turn=self.notify)
