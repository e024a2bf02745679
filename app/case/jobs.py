"""The timer job: fire due timers of every case, one case per transaction.

Safe to run in several scheduler processes at once: each case is locked and its due timers are
re-read under the lock, so a timer fires exactly once; after downtime it simply finds more due.
"""
from __future__ import annotations

from app.case import lifecycle
from app.jobs import for_each_due


def fire_due_timers(batch: int = 500) -> int:
    """Returns how many cases had timers fired."""
    return for_each_due(lambda limit: lifecycle.due_case_ids(limit=limit), lifecycle.fire_timers,
                        what="firing the timers of a case", batch=batch)
