"""When a service case may still be evaluated, and when its default rating falls due."""
from __future__ import annotations

from datetime import datetime, timedelta

from app.calendar import get_calendar
from app.outreach import options
from app.service_case.models import ServiceCase

CLOSED_MESSAGE = "已超过补充评价期限（办结后 {days} 个工作日内可补充评价），不能再评价"


def window_closes_at(service_case: ServiceCase, *, days: int | None = None) -> datetime:
    """End of the supplementary window: the deadline rule, n working days from the service day.

    ``days`` is the policy's window length when the caller has read it already (intake in bulk)."""
    days = options.window_working_days() if days is None else days
    return get_calendar().deadline(service_case.finished_at, days).due_at


def supplementary_window_closed(service_case: ServiceCase, at: datetime, *, days: int | None = None) -> bool:
    """True when an evaluation given at ``at`` comes after the supplementary window.

    Intake calls this before accepting an evaluation and refuses a late one with ``closed_message()``.
    """
    if service_case.finished_at is None:
        return False
    return at >= window_closes_at(service_case, days=days)


def closed_message(*, days: int | None = None) -> str:
    return CLOSED_MESSAGE.format(days=options.window_working_days() if days is None else days)


def default_due_at(service_case: ServiceCase) -> datetime | None:
    """When the default rating is due: N natural days after the service, and never while the evaluator may
    still evaluate (a holiday can make the working-day window longer than N natural days)."""
    rule = options.default_rating()
    if rule is None or service_case.finished_at is None:
        return None
    return max(service_case.finished_at + timedelta(days=rule.after_days), window_closes_at(service_case))
