"""Evaluator identity never reaches the logs."""
from __future__ import annotations

import logging
from datetime import timedelta

from app.privacy import RedactingFilter, redact


def test_phone_and_id_numbers_are_redacted_from_free_text():
    text = "回拨 13912345678，证件 320102199001011234X 无效"
    assert "13912345678" not in redact(text)
    assert "139****5678" in redact(text)
    assert redact("证件 32010219900101123X") == "证件 3201**********123X"


def test_the_log_filter_masks_what_a_careless_caller_formats(caplog):
    logger = logging.getLogger("app.test")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("calling back %s", "13912345678")
    assert "13912345678" not in caplog.text


def test_intake_logs_no_contact_data(client, world, clock, make_service_case, caplog):
    case = make_service_case()
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/evaluations", json={
            "service_case_no": case.case_no, "level": 1, "channel": "sms", "real_name": True,
            "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat()}, headers=world.headers("client_a"))
        client.get("/api/v1/evaluations", headers=world.headers("handler_a"))
    assert "13912345678" not in caplog.text
    assert "320102199001011234" not in caplog.text
