"""Periodic work of the outreach package, for the jobs table in app/jobs.py.

These functions are the edge that owns the transactions: per service case or office one transaction
(``app.jobs.for_each_due``), and for each notification delivery a claim committed before the sender is called.
"""
from __future__ import annotations

import logging

from app.db import db
from app.jobs import for_each_due
from app.outreach import defaults, fraud, outbox, points, reminders, sampling
from app.outreach.senders import configured

log = logging.getLogger(__name__)
ACTOR = "system:outreach"


def send_evaluation_reminders() -> int:
    return for_each_due(reminders.due_ids, reminders.remind,
                        what="the evaluation reminder of a service case")


def apply_default_ratings() -> int:
    return for_each_due(defaults.due_ids, defaults.apply,
                        what="default ratings", stop_on=(defaults.DefaultRatingPolicyError,))


def deliver_notifications(batch: int = 100) -> dict[str, int]:
    """Sweep, enqueue, then claim → commit → send → commit, one delivery at a time ("never twice")."""
    swept = outbox.sweep_interrupted()
    queued = outbox.enqueue_pending()
    db.session.commit()
    outcome = {"swept": swept, "queued": queued, "sent": 0, "retry": 0, "failed": 0}
    sender = configured()
    for delivery_id in outbox.due_ids(batch):
        if not outbox.claim(delivery_id):
            db.session.rollback()
            continue
        db.session.commit()
        try:
            state = outbox.deliver(delivery_id, sender)
            db.session.commit()
            outcome[state] += 1
        except Exception:
            db.session.rollback()
            log.exception("recording the outcome of delivery %s failed; the lease sweep will close it", delivery_id)
    return outcome


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
