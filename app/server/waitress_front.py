"""Waitress's event loop as the front of a serving process: it accepts connections and reads each request whole
before one of the request threads runs it, so idle and slowly sending clients hold a socket each, never a thread.

Used by the single waitress process and by every gunicorn worker; the caller drives the loop so it can stop on a
signal and, under gunicorn, tell the arbiter it is alive.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

ACCEPT_BATCH = 256


class BatchAcceptServer(TcpWSGIServer):
    """Accepts every waiting connection (up to ACCEPT_BATCH) per turn of the loop instead of one.

    A turn costs time in proportion to the open connections, so taking one connection per turn left a burst of a
    thousand new connections (and a health check behind them) waiting most of a second.
    """

    def handle_accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            before = len(self._map)
            if before >= self.adj.connection_limit:
                return
            super().handle_accept()
            if len(self._map) == before:  # nothing was waiting
                return


class WaitressFront:
    def __init__(self, application, settings: dict, *, sockets=None, host: str | None = None,
                 port: int | None = None) -> None:
        where = {"sockets": sockets} if sockets else {"host": host, "port": port}
        self.adj = Adjustments(**settings, **where)
        self.map: dict = {}
        self.dispatcher = ThreadedTaskDispatcher()
        self.dispatcher.set_thread_count(self.adj.threads)
        common = {"map": self.map, "dispatcher": self.dispatcher, "adj": self.adj}
        if sockets:
            self.servers = [BatchAcceptServer(application, _sock=sock, bind_socket=False,
                                              sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
                                              **common)
                            for sock in self.adj.sockets]
        else:
            self.servers = [BatchAcceptServer(application, sockinfo=info, **common) for info in self.adj.listen]

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [(server.effective_host, server.effective_port) for server in self.servers]

    def run(self, keep_running: Callable[[], bool], each_turn: Callable[[], None] = lambda: None,
            turn_seconds: float = 1.0) -> None:
        while keep_running():
            each_turn()
            wasyncore.loop(timeout=turn_seconds, use_poll=True, map=self.map, count=1)

    def finish(self, graceful_seconds: float, each_turn: Callable[[], None] = lambda: None) -> None:
        """Stop accepting, answer the requests already received within ``graceful_seconds``, close everything."""
        for server in self.servers:
            server.accepting = False
        deadline = time.monotonic() + graceful_seconds
        while self._answering() and time.monotonic() < deadline:
            each_turn()
            wasyncore.loop(timeout=0.2, use_poll=True, map=self.map, count=1)
        self.dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self.map)

    def _answering(self) -> bool:
        return any(isinstance(channel, HTTPChannel) and (channel.requests or channel.total_outbufs_len)
                   for channel in list(self.map.values()))
