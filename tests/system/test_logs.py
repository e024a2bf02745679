"""Logs never carry what evaluators wrote or SQL parameters: a database error is logged without its values."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import text

from app.db import db
from app.evaluation import service as evaluation_service

SECRET = "窗口人员态度恶劣-13912345678"


def test_a_database_error_during_a_request_is_logged_without_the_comment(app, client, world, clock,
                                                                         make_service_case, monkeypatch, caplog):
    case = make_service_case()

    def failing_create(data, *, principal):
        db.session.execute(text("INSERT INTO no_such_table (comment) VALUES (:comment)"), {"comment": data["comment"]})

    monkeypatch.setattr(evaluation_service, "create", failing_create)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # answer 500 and log, as in production
    body = {"service_case_no": case.case_no, "level": 1, "channel": "qr_code", "real_name": False,
            "comment": SECRET, "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat()}
    with caplog.at_level(logging.INFO):
        response = client.post("/api/v1/evaluations", json=body, headers=world.headers("client_a"))
    assert response.status_code == 500
    assert "no_such_table" in caplog.text  # the error itself is logged ...
    assert SECRET not in caplog.text  # ... without the values it was given
    assert "13912345678" not in caplog.text
