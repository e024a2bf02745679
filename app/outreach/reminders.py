"""One reminder to evaluate, 24 hours (policy) after a service with no evaluation, while the window is open."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.notification import outbox
from app.notification.models import Notification, NotificationDelivery
from app.outreach import options
from app.outreach.models import EvaluationReminder
from app.outreach.window import window_closes_at
from app.service_case.models import ServiceCase

log = logging.getLogger(__name__)
ACTOR = "system:outreach"
KIND = "evaluation_reminder"
LOOK_BACK = timedelta(days=30)  # longer than any supplementary window, so old cases are not rescanned


def due_ids(limit: int = 500) -> list[int]:
    moment = now()
    cutoff = moment - timedelta(hours=options.reminder_after_hours())
    query = (select(ServiceCase.id)
             .where(ServiceCase.finished_at <= cutoff, ServiceCase.finished_at >= moment - LOOK_BACK,
                    ~exists().where(Evaluation.service_case_id == ServiceCase.id),
                    ~exists().where(EvaluationReminder.service_case_id == ServiceCase.id))
             .order_by(ServiceCase.finished_at, ServiceCase.id).limit(limit))
    return list(db.session.scalars(query))


def remind(service_case_id: int, *, actor: str = ACTOR) -> EvaluationReminder | None:
    """Queues the reminder in the outbox; None when evaluated, already reminded or the window has closed."""
    case = db.session.get(ServiceCase, service_case_id)
    closes = window_closes_at(case)
    already = db.session.scalar(select(EvaluationReminder.id).where(EvaluationReminder.service_case_id == case.id))
    evaluated = db.session.scalar(select(Evaluation.id).where(Evaluation.service_case_id == case.id))
    if already or evaluated or now() >= closes:
        return None
    channel = "sms" if case.applicant_phone else "app"
    notification = Notification(kind=KIND, case_id=None, org_unit_id=case.org_unit_id, created_at=now(),
                                payload={"service_case_id": case.id, "service_case_no": case.case_no,
                                         "channel": channel, "window_closes_at": closes.isoformat()})
    try:
        with db.session.begin_nested():
            db.session.add(notification)
            db.session.flush()
            reminder = EvaluationReminder(service_case_id=case.id, notification_id=notification.id,
                                          window_closes_at=closes, created_at=now())
            db.session.add(reminder)
            db.session.flush()
    except IntegrityError:  # another worker reminded this case a moment ago
        return None
    audit.record(actor=actor, action="evaluation.reminder_queued", subject_type="notification",
                 subject_id=notification.id, payload={"service_case_no": case.case_no, "channel": channel,
                                                      "window_closes_at": closes.isoformat()})
    return reminder


def for_service_case(service_case_id: int) -> list[dict]:
    """The notifications about one service case and how their delivery went (shown per case)."""
    rows = db.session.execute(
        select(Notification, NotificationDelivery)
        .join(EvaluationReminder, EvaluationReminder.notification_id == Notification.id)
        .outerjoin(NotificationDelivery, NotificationDelivery.notification_id == Notification.id)
        .where(EvaluationReminder.service_case_id == service_case_id).order_by(Notification.id)).all()
    return [outbox.present(n, d) for n, d in rows]
