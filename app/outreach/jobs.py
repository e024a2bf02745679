"""Periodic work of the outreach package, for the jobs table in app/jobs.py.

Each function takes no arguments and commits its own work (``run_job`` commits whatever is left).
"""
from __future__ import annotations

from app.db import db
from app.outreach import defaults, fraud, outbox, points, reminders, sampling


def send_evaluation_reminders() -> None:
    reminders.send_reminders()


def apply_default_ratings() -> None:
    defaults.apply_defaults()


def deliver_notifications() -> None:
    outbox.run()


def detect_fraud_signals() -> None:
    fraud.detect()
    db.session.commit()


def award_points() -> None:
    points.award_participation()
    db.session.commit()


def draw_return_visit_samples() -> None:
    sampling.draw_previous_month()
