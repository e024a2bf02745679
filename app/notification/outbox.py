"""The notification outbox: every pending notification is delivered by the configured sender, retried with
exponential backoff, and never sent twice.

"Never twice": a delivery is claimed by an atomic state change committed *before* the sender is called, so no
other worker can pick it up; a claim whose outcome was never written (the process died while sending) is
marked failed after a lease instead of being sent again. Each step is audited in its own transaction.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update

from app import audit
from app.clock import now
from app.db import db
from app.notification.models import DeliveryState, Notification, NotificationDelivery, NotificationStatus
from app.notification.senders import Message, Sender, SendError
from app.service_case.models import ServiceCase
from app.settings import to_local

log = logging.getLogger(__name__)
ACTOR = "system:outbox"
LEASE = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """60 s, 120 s, 240 s … after the 1st, 2nd, 3rd failed attempt, capped (both are settings)."""
    base = int(current_app.config["OUTREACH_BACKOFF_SECONDS"])
    cap = int(current_app.config["OUTREACH_BACKOFF_MAX_SECONDS"])
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def enqueue_pending() -> int:
    """Gives every pending notification without a delivery row one, due now."""
    ids = list(db.session.scalars(select(Notification.id).where(
        Notification.status == NotificationStatus.pending,
        ~exists().where(NotificationDelivery.notification_id == Notification.id)).order_by(Notification.id)))
    for notification_id in ids:
        db.session.add(NotificationDelivery(notification_id=notification_id, state=DeliveryState.pending,
                                            attempts=0, next_attempt_at=now()))
    db.session.flush()
    return len(ids)


def due_ids(limit: int = 100) -> list[int]:
    return list(db.session.scalars(select(NotificationDelivery.id).where(
        NotificationDelivery.state.in_((DeliveryState.pending, DeliveryState.retry)),
        NotificationDelivery.next_attempt_at <= now()).order_by(NotificationDelivery.next_attempt_at,
                                                                 NotificationDelivery.id).limit(limit)))


def claim(delivery_id: int) -> bool:
    """Takes the delivery for this worker; False when another worker has it (or it is not due)."""
    result = db.session.execute(update(NotificationDelivery).where(
        NotificationDelivery.id == delivery_id,
        NotificationDelivery.state.in_((DeliveryState.pending, DeliveryState.retry)),
        NotificationDelivery.next_attempt_at <= now(),
    ).values(state=DeliveryState.sending, claimed_at=now(), attempts=NotificationDelivery.attempts + 1))
    return result.rowcount == 1


def deliver(delivery_id: int, sender: Sender) -> str:
    """Sends a claimed delivery and records the outcome; returns the new state."""
    delivery = db.session.get(NotificationDelivery, delivery_id, populate_existing=True)
    notification = delivery.notification
    delivery.sender = sender.name
    try:
        delivery.external_id = sender.send(message_for(notification))
    except SendError as err:
        return _failed_attempt(delivery, notification, str(err), err.retryable)
    except Exception as err:  # an unknown failure may have delivered: never retry it blindly
        log.exception("sender %s failed on notification %s", sender.name, notification.id)
        return _failed_attempt(delivery, notification, f"发送异常：{err.__class__.__name__}", False)
    delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.sent, now(), None
    notification.status = NotificationStatus.sent
    _audit("notification.sent", notification, delivery)
    return delivery.state


def _failed_attempt(delivery: NotificationDelivery, notification: Notification, error: str, retryable: bool) -> str:
    delivery.last_error = error
    if retryable and delivery.attempts < int(current_app.config["OUTREACH_MAX_ATTEMPTS"]):
        delivery.state, delivery.next_attempt_at = DeliveryState.retry, now() + backoff(delivery.attempts)
        _audit("notification.retry_scheduled", notification, delivery)
    else:
        delivery.state, notification.status = DeliveryState.failed, NotificationStatus.failed
        _audit("notification.failed", notification, delivery)
    return delivery.state


def sweep_interrupted() -> int:
    """Claims older than the lease whose outcome never came back: failed, and not sent again."""
    stale = db.session.scalars(select(NotificationDelivery).where(
        NotificationDelivery.state == DeliveryState.sending, NotificationDelivery.claimed_at < now() - LEASE)).all()
    for delivery in stale:
        delivery.state = DeliveryState.failed
        delivery.last_error = "发送过程中断，结果未知；为避免重复发送，不再自动重发"
        delivery.notification.status = NotificationStatus.failed
        _audit("notification.failed", delivery.notification, delivery)
    return len(stale)


def _audit(action: str, notification: Notification, delivery: NotificationDelivery) -> None:
    audit.record(actor=ACTOR, action=action, subject_type="notification", subject_id=notification.id,
                 payload={"kind": notification.kind, "case_id": notification.case_id,
                          "service_case_id": (notification.payload or {}).get("service_case_id"),
                          "attempts": delivery.attempts, "sender": delivery.sender, "error": delivery.last_error,
                          "next_attempt_at": delivery.next_attempt_at.isoformat()
                          if delivery.state == DeliveryState.retry else None})


def message_for(notification: Notification) -> Message:
    """The text and recipient, resolved at send time so no phone number is stored in the outbox or the audit."""
    payload = notification.payload or {}
    if notification.kind == "evaluation_reminder":
        case = db.session.get(ServiceCase, payload["service_case_id"])
        closes = to_local(datetime.fromisoformat(payload["window_closes_at"]))
        text = (f"您办理的“{case.item.name}”（办件号 {case.case_no}）已办结，欢迎在 {closes:%m月%d日} 前对本次服务"
                f"进行评价，您的意见是我们改进工作的依据。")
        channel = payload.get("channel", "sms")
        return Message(notification.id, notification.kind, channel,
                       case.applicant_phone if channel == "sms" else case.case_no, text)
    deadline = payload.get("deadline")
    text = f"差评工单 {payload.get('case_no', '')}：{notification.kind}" + (f"，期限 {deadline}" if deadline else "")
    return Message(notification.id, notification.kind, "internal", str(notification.org_unit_id or ""), text)


def for_case(case_id: int) -> list[dict]:
    """The notifications of one bad-review case and how their delivery went."""
    rows = db.session.execute(
        select(Notification, NotificationDelivery)
        .outerjoin(NotificationDelivery, NotificationDelivery.notification_id == Notification.id)
        .where(Notification.case_id == case_id).order_by(Notification.id)).all()
    return [present(n, d) for n, d in rows]


def present(notification: Notification, delivery: NotificationDelivery | None) -> dict:
    return {"id": notification.id, "kind": notification.kind, "status": str(notification.status),
            "created_at": notification.created_at, "channel": (notification.payload or {}).get("channel"),
            "delivery": None if delivery is None else {
                "state": delivery.state, "attempts": delivery.attempts, "sender": delivery.sender,
                "sent_at": delivery.sent_at, "next_attempt_at": delivery.next_attempt_at,
                "last_error": delivery.last_error}}
