"""The outbox: pending notifications are delivered once, retried with backoff, and never sent twice."""
from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from app.db import db
from app.notification import jobs as notification_jobs
from app.notification import outbox
from app.notification.models import Notification, NotificationDelivery
from app.notification.senders import HttpSmsSender, LoggingSender, Message, SendError
from app.outreach import jobs as outreach_jobs
from tests.notification.conftest import retryable


@pytest.fixture
def reminder(make_service_case, clock):
    case = make_service_case(finished_ago=timedelta(hours=25))
    assert outreach_jobs.send_evaluation_reminders() == 1
    return case


def _delivery() -> NotificationDelivery:
    return db.session.scalar(select(NotificationDelivery).execution_options(populate_existing=True))


def test_a_reminder_is_sent_once_to_the_evaluators_phone(reminder, sender):
    assert notification_jobs.deliver_notifications()["sent"] == 1
    assert notification_jobs.deliver_notifications()["sent"] == 0
    assert len(sender.sent) == 1
    message = sender.sent[0]
    assert (message.channel, message.recipient) == ("sms", "13912345678")
    assert reminder.case_no in message.text and "社会保障卡申领" in message.text
    delivery = _delivery()
    assert (delivery.state, delivery.attempts, delivery.external_id) == ("sent", 1, f"ext-{message.notification_id}")
    assert str(db.session.get(Notification, message.notification_id).status) == "sent"


def test_a_failing_gateway_is_retried_with_growing_pauses_until_it_gives_up(reminder, sender, clock):
    sender.failures = [retryable() for _ in range(5)]
    start = clock.now()
    notification_jobs.deliver_notifications()
    assert (_delivery().state, _delivery().next_attempt_at) == ("retry", start + timedelta(seconds=60))
    notification_jobs.deliver_notifications()
    assert len(sender.sent) == 1  # not due yet
    for pause in (60, 120, 240, 480):
        clock.advance(seconds=pause)
        notification_jobs.deliver_notifications()
    delivery = _delivery()
    assert (len(sender.sent), delivery.attempts, delivery.state) == (5, 5, "failed")
    assert str(delivery.notification.status) == "failed"
    clock.advance(days=1)
    notification_jobs.deliver_notifications()
    assert len(sender.sent) == 5


def test_a_retry_that_succeeds_is_sent(reminder, sender, clock):
    sender.failures = [retryable()]
    notification_jobs.deliver_notifications()
    clock.advance(seconds=60)
    assert notification_jobs.deliver_notifications()["sent"] == 1
    assert (_delivery().state, _delivery().attempts) == ("sent", 2)


@pytest.mark.parametrize("error", [SendError("号码无效", retryable=False), RuntimeError("boom")])
def test_permanent_or_unknown_failures_are_not_retried(reminder, sender, clock, error):
    sender.failures = [error]
    notification_jobs.deliver_notifications()
    clock.advance(days=1)
    notification_jobs.deliver_notifications()
    assert (len(sender.sent), _delivery().state) == (1, "failed")


def test_a_delivery_interrupted_while_sending_is_never_sent_again(reminder, sender, clock):
    outbox.enqueue_pending()
    db.session.commit()
    delivery_id = _delivery().id
    assert outbox.claim(delivery_id)
    db.session.commit()
    assert not outbox.claim(delivery_id)  # a second worker cannot take it
    clock.advance(minutes=11)
    assert notification_jobs.deliver_notifications()["swept"] == 1
    assert sender.sent == []
    assert _delivery().state == "failed"


def test_lifecycle_notifications_go_through_the_same_outbox(sender, open_case, client, world):
    case = open_case()
    from app.notification import service as notifications

    notifications.record(kind="rectify_reminder", case_id=case.case_id, org_unit_id=world.units["A-HR"].id,
                         payload={"case_no": case.case.case_no, "deadline": "2026-11-27"}, actor="test")
    db.session.commit()
    notification_jobs.deliver_notifications()
    assert [m.channel for m in sender.sent] == ["internal"]
    listed = outbox.for_case(case.case_id)
    assert listed[0]["delivery"]["state"] == "sent"


def test_the_logging_sender_masks_the_phone_number(caplog):
    caplog.set_level(logging.INFO, logger="app.notification.senders")
    LoggingSender().send(Message(1, "evaluation_reminder", "sms", "13912345678", "欢迎评价"))
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"body": body, "key": self.headers["Idempotency-Key"],
                                    "auth": self.headers.get("Authorization")})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "gw-42"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received, _Gateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", _Gateway
    server.shutdown()


def test_the_http_gateway_gets_the_message_with_an_idempotency_key(gateway):
    url, handler = gateway
    sender = HttpSmsSender(url, token="secret", timeout=5)
    assert sender.send(Message(7, "evaluation_reminder", "sms", "13912345678", "欢迎评价")) == "gw-42"
    assert handler.received == [{"body": {"to": "13912345678", "text": "欢迎评价",
                                          "request_id": "hcp-notification-7"},
                                 "key": "hcp-notification-7", "auth": "Bearer secret"}]


@pytest.mark.parametrize(("status", "retry"), [(500, True), (429, True), (400, False)])
def test_gateway_errors_say_whether_a_retry_may_help(gateway, status, retry):
    url, handler = gateway
    handler.status = status
    with pytest.raises(SendError) as raised:
        HttpSmsSender(url).send(Message(7, "evaluation_reminder", "sms", "13912345678", "x"))
    assert raised.value.retryable is retry


def test_an_unreachable_gateway_is_retryable():
    with pytest.raises(SendError) as raised:
        HttpSmsSender("http://127.0.0.1:9/sms", timeout=1).send(Message(7, "k", "sms", "13912345678", "x"))
    assert raised.value.retryable is True
