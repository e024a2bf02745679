"""Pluggable senders of the notification outbox: a logging sender (the default) and an HTTP SMS gateway.

A sender gets one message and either returns (delivered; optionally the gateway's message id) or raises
``SendError``; ``retryable`` says whether another attempt may help. The HTTP sender passes the outbox's
idempotency key, so a gateway that saw a timed-out request does not deliver the retry a second time.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from app.privacy import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    notification_id: int
    kind: str
    channel: str  # sms | app | internal
    recipient: str | None  # a phone number for sms; an org unit code for internal messages
    text: str

    @property
    def idempotency_key(self) -> str:
        return f"hcp-notification-{self.notification_id}"


class SendError(Exception):
    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> str | None: ...


class LoggingSender:
    """Writes the message to the log (phone numbers masked): development, demos, and sites without a gateway."""

    name = "logging"

    def send(self, message: Message) -> str | None:
        recipient = mask_phone(message.recipient) if message.channel == "sms" else message.recipient
        log.info("notification %s (%s, %s) to %s: %s", message.notification_id, message.kind, message.channel,
                 recipient, message.text)
        return None


class HttpSmsSender:
    """POSTs ``{"to", "text", "request_id"}`` as JSON to the SMS gateway with a bearer token."""

    name = "http_sms"

    def __init__(self, url: str, token: str = "", timeout: float = 10.0):
        if not url:
            raise ValueError("OUTREACH_SMS_GATEWAY_URL is not set")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, message: Message) -> str | None:
        if message.channel != "sms" or not message.recipient:
            raise SendError("没有可用的手机号，短信网关无法发送", retryable=False)
        body = json.dumps({"to": message.recipient, "text": message.text, "request_id": message.idempotency_key})
        request = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": message.idempotency_key,
            **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = response.read()
        except urllib.error.HTTPError as err:
            retryable = err.code >= 500 or err.code in (408, 429)
            raise SendError(f"短信网关返回 HTTP {err.code}", retryable=retryable) from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise SendError(f"短信网关不可达：{err}", retryable=True) from None
        try:
            return str(json.loads(answer or b"{}").get("id") or "") or None
        except (ValueError, AttributeError):
            return None


def configured() -> Sender:
    """The app's sender: ``app.extensions["outreach_sender"]`` when set (tests), else ``OUTREACH_SENDER``."""
    injected = current_app.extensions.get("outreach_sender")
    if injected is not None:
        return injected
    config = current_app.config
    if config["OUTREACH_SENDER"] == "http_sms":
        return HttpSmsSender(config["OUTREACH_SMS_GATEWAY_URL"], config["OUTREACH_SMS_GATEWAY_TOKEN"],
                             float(config["OUTREACH_SMS_GATEWAY_TIMEOUT"]))
    return LoggingSender()
