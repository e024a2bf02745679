"""Recording a notification: kept as pending for the outbox, in the case's history, in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.notification import service
from app.notification.models import Notification, NotificationStatus


def test_a_recorded_notification_is_pending_and_in_the_case_history(world, open_case):
    case = open_case()
    notification = service.record(kind="rectify_reminder", case_id=case.case_id,
                                  org_unit_id=world.units["A-HR"].id,
                                  payload={"case_no": case.case.case_no, "deadline": "2026-11-27T16:00:00+00:00"},
                                  actor="scheduler")
    stored = db.session.get(Notification, notification.id)
    assert stored.status == NotificationStatus.pending and stored.org_unit_id == world.units["A-HR"].id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "notification.recorded")
                               .order_by(AuditEvent.id.desc())).first()
    assert (event.subject_type, event.subject_id, event.actor) == ("case", str(case.case_id), "scheduler")
    assert event.payload["notification_id"] == notification.id and event.payload["kind"] == "rectify_reminder"


def test_nothing_is_kept_when_the_change_it_belongs_to_is_rolled_back(world, open_case):
    case = open_case()
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))
    with db.session.begin_nested() as step:
        service.record(kind="rectify_reminder", case_id=case.case_id, org_unit_id=None, payload={}, actor="t")
        step.rollback()
    assert db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) == before
