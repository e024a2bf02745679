"""The HTTP server's settings, read once from the app configuration (config/default.py and HCP_* variables)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from app.settings import ConfigError

# config key → (field, lowest, highest)
_WHOLE_NUMBERS = {
    "PORT": ("port", 1, 65535),
    "WORKERS": ("workers", 1, 64),
    "THREADS": ("threads", 1, 256),
    "SERVER_CONNECTION_LIMIT": ("connection_limit", 1, 1_000_000),
    "SERVER_CHANNEL_TIMEOUT": ("channel_timeout", 1, 86_400),
    "SERVER_BACKLOG": ("backlog", 1, 65_535),
    "SERVER_MAX_REQUEST_BODY_SIZE": ("max_request_body_size", 1, 1 << 40),
    "SERVER_GRACEFUL_TIMEOUT": ("graceful_timeout", 1, 3_600),
    "SERVER_WORKER_TIMEOUT": ("worker_timeout", 1, 3_600),
}


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    threads: int
    connection_limit: int
    channel_timeout: int
    backlog: int
    max_request_body_size: int
    graceful_timeout: int
    worker_timeout: int

    @classmethod
    def from_config(cls, config, **overrides) -> ServerOptions:
        values = {field: _whole(config, key, low, high) for key, (field, low, high) in _WHOLE_NUMBERS.items()}
        options = cls(host=str(config["HOST"]), **values)
        return replace(options, **{k: v for k, v in overrides.items() if v is not None})

    def waitress_settings(self) -> dict:
        """Keyword arguments for waitress (without where to listen).

        Waitress reads and buffers each request in its event loop before a thread runs it, so an idle or
        slowly sending client costs a socket, not a thread; ``poll`` instead of ``select`` lifts the
        1,024-descriptor ceiling of ``select``.
        """
        return {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            "channel_timeout": self.channel_timeout,
            "cleanup_interval": max(1, min(30, self.channel_timeout // 2)),
            "backlog": self.backlog,
            "max_request_body_size": self.max_request_body_size,
            "asyncore_use_poll": True,
            "ident": "haochaping",
        }


def _whole(config, key: str, low: int, high: int) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit() \
            or not low <= int(value) <= high:
        raise ConfigError(f"HCP_{key} 须为 {low}–{high} 的整数，当前为 {value!r} / must be a whole number "
                          f"from {low} to {high}")
    return int(value)
