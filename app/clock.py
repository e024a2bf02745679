"""The one clock of the service.

Nothing else reads the system time: deadlines, timers, audit stamps and validation all ask
``get_clock().now()``, so tests (and demo replays) can move time by swapping the clock.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context


class Clock:
    """Wall clock: aware UTC datetimes, optionally shifted by a fixed offset (HCP_CLOCK_OFFSET_SECONDS)."""

    def __init__(self, offset: timedelta = timedelta(0)):
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FrozenClock(Clock):
    """A clock that stands still until moved; used by tests and by demo-data replay."""

    def __init__(self, at: datetime):
        super().__init__()
        self._at = _require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def advance(self, **delta: float) -> datetime:
        self._at = self._at + timedelta(**delta)
        return self._at


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock only takes timezone-aware datetimes")
    return at.astimezone(UTC)


_fallback = Clock()


def get_clock() -> Clock:
    if has_app_context():
        return current_app.extensions.get("clock", _fallback)
    return _fallback


def now() -> datetime:
    return get_clock().now()


@contextmanager
def frozen_at(app, at: datetime) -> Iterator[FrozenClock]:
    """Temporarily replace the app's clock with a frozen one."""
    previous = app.extensions.get("clock")
    clock = FrozenClock(at)
    app.extensions["clock"] = clock
    try:
        yield clock
    finally:
        app.extensions["clock"] = previous


def init_app(app) -> None:
    offset = timedelta(seconds=float(app.config["CLOCK_OFFSET_SECONDS"]))
    app.extensions.setdefault("clock", Clock(offset))
