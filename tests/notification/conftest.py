"""A sender that records what the outbox hands it, and fails on demand."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.notification.senders import Message, SendError


@dataclass
class RecordingSender:
    name: str = "recording"
    sent: list[Message] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)  # raised one by one before succeeding

    def send(self, message: Message) -> str | None:
        self.sent.append(message)
        if self.failures:
            raise self.failures.pop(0)
        return f"ext-{message.notification_id}"


@pytest.fixture
def sender(app):
    recording = RecordingSender()
    app.extensions["outreach_sender"] = recording
    yield recording
    app.extensions.pop("outreach_sender", None)


def retryable(text: str = "网关超时") -> SendError:
    return SendError(text, retryable=True)
