"""Periodic work of the outreach package, for the jobs table in app/jobs.py.

These functions are the edge that owns the transactions: per service case or office one transaction
(``app.jobs.for_each_due``). The notification outbox has its own job (``app.notification.jobs``).
"""
from __future__ import annotations

import logging

from app.db import db
from app.jobs import for_each_due
from app.outreach import defaults, fraud, points, reminders, sampling

log = logging.getLogger(__name__)
ACTOR = "system:outreach"


def send_evaluation_reminders() -> int:
    return for_each_due(reminders.due_ids, reminders.remind,
                        what="the evaluation reminder of a service case")


def apply_default_ratings() -> int:
    return for_each_due(defaults.due_ids, defaults.apply,
                        what="default ratings", stop_on=(defaults.DefaultRatingPolicyError,))


def detect_fraud_signals() -> None:
    fraud.detect()
    db.session.commit()


def award_points() -> None:
    points.award_participation()
    db.session.commit()


def draw_return_visit_samples() -> int:
    """From the policy's day of the month on, every supervision office draws last month once."""
    month = sampling.due_month()
    if month is None:
        return 0
    return for_each_due(lambda limit: sampling.undrawn_office_ids(month, limit),
                        lambda office_id: sampling.draw_for_office(office_id, month, actor=ACTOR),
                        what=f"the return-visit draw of {month}")
