"""Timers read the service clock, not the system time.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` when it arms and checks timers; the
module's ``datetime`` name is replaced by a subclass whose ``now`` asks the app's clock service.
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module

from app.clock import now as service_now


class _ServiceClockDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        moment = service_now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone(UTC).replace(tzinfo=None)


def install() -> None:
    _timer_module.datetime = _ServiceClockDatetime
