"""POST /api/v1/evaluations/batch: per-item answers, good items kept when others fail."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.case.models import BadReviewCase
from app.db import db
from app.evaluation.models import Evaluation


def _item(case_no, clock, **overrides):
    item = {"service_case_no": case_no, "level": 4, "channel": "qr_code",
            "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat(), "real_name": False}
    item.update(overrides)
    return item


def test_a_batch_keeps_the_good_items_and_reports_each_bad_one(client, world, clock, make_service_case):
    good, bad_review, duplicate = (make_service_case() for _ in range(3))
    items = [
        _item(good.case_no, clock),
        _item("UNKNOWN", clock),
        _item(bad_review.case_no, clock, level=1, comment="排队太久"),
        _item(duplicate.case_no, clock, level=9),
        "not an object",
        _item(good.case_no, clock, level=3),  # the same service case twice in one batch
    ]
    response = client.post("/api/v1/evaluations/batch", json={"items": items}, headers=world.headers("client_a"))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["accepted"], body["rejected"]) == (2, 4)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["accepted", "rejected", "accepted", "rejected", "rejected", "rejected"]
    assert "service_case_no" in body["results"][1]["error"]["fields"]
    assert "level" in body["results"][3]["error"]["fields"]
    assert body["results"][5]["error"]["code"] == "conflict"
    assert body["results"][2]["bad_review_case_id"] is not None
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 2
    assert db.session.scalar(select(func.count()).select_from(BadReviewCase)) == 1


def test_a_batch_over_1000_items_is_refused_whole(client, world, clock):
    items = [_item(f"SC-{i}", clock) for i in range(1001)]
    response = client.post("/api/v1/evaluations/batch", json={"items": items}, headers=world.headers("client_a"))
    assert response.status_code == 422
    assert "items" in response.json["error"]["fields"]


def test_an_empty_batch_is_refused(client, world):
    response = client.post("/api/v1/evaluations/batch", json={"items": []}, headers=world.headers("client_a"))
    assert response.status_code == 422


def test_only_integration_clients_send_batches(client, world):
    response = client.post("/api/v1/evaluations/batch", json={"items": [{}]}, headers=world.headers("handler_a"))
    assert response.status_code == 403
