"""Recording notifications; a sender (SMS gateway, app message) delivers pending ones later."""
from __future__ import annotations

from app import audit
from app.clock import now
from app.db import db
from app.notification.models import Notification


def record(*, kind: str, case_id: int | None, org_unit_id: int | None, payload: dict, actor: str) -> Notification:
    notification = Notification(kind=kind, case_id=case_id, org_unit_id=org_unit_id, payload=payload,
                                created_at=now())
    db.session.add(notification)
    db.session.flush()
    audit.record(actor=actor, action="notification.recorded", subject_type="case", subject_id=case_id,
                 payload={"notification_id": notification.id, "kind": kind, **payload})
    return notification
