"""Fraud signals flag patterns without touching evaluations; points follow the policy's rules."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import db
from app.evaluation.models import Evaluation
from app.outreach import fraud, points
from app.outreach.models import FraudSignal, PointsEntry
from tests.stats.conftest import Scenario, local


def _evaluations(world, count, *, level=5, start=local(2026, 11, 19, 9, 0), step=timedelta(minutes=5),
                 same_evaluator=True, staff="handler_a", origin=None):
    s = Scenario(world)
    for n in range(count):
        moment = start + n * step
        case = s.service_case(n, "A-HR", "ITEM-HR-1", staff, moment - timedelta(minutes=1), window="A-W1")
        case.applicant_phone_hash = "same-person" if same_evaluator else f"person-{n}"
        evaluation = s.evaluate(n, level, "qr_code", at=moment, reasons=["attitude"] if level < 3 else [])
        if origin:
            fraud.record_origin(evaluation.id, device_id=origin, client_address=None)
    db.session.commit()
    return s


def test_one_evaluator_rating_many_services_within_an_hour_is_flagged(world):
    s = _evaluations(world, 5)
    assert fraud.detect() == 1
    assert fraud.detect() == 0  # once per cluster
    signal = db.session.scalar(select(FraudSignal))
    assert (signal.kind, signal.count, signal.status) == ("evaluator_burst", 5, "open")
    assert "same-per" in signal.subject_label and "139" not in signal.subject_label
    assert all(e.adopted and e.level == 5 for e in s.evaluations.values())  # nothing changed


def test_four_ratings_or_a_slower_pace_is_not_flagged(world):
    _evaluations(world, 4)
    _evaluations(world, 5, start=local(2026, 11, 18, 9, 0), step=timedelta(minutes=20), same_evaluator=False)
    assert fraud.detect() == 0


def test_top_ratings_for_one_staff_member_from_one_device_are_flagged(world):
    _evaluations(world, 5, same_evaluator=False, step=timedelta(hours=1), origin="phone-abc")
    assert fraud.detect() == 1
    signal = db.session.scalar(select(FraudSignal))
    assert signal.kind == "top_ratings_one_origin" and "phone-abc" in signal.subject_label


def test_a_burst_of_bad_reviews_against_one_staff_member_is_flagged_and_reviewed(client, world):
    _evaluations(world, 3, level=1, same_evaluator=False, step=timedelta(hours=2))
    assert fraud.detect() == 1
    db.session.commit()  # as the job does
    listed = client.get("/api/v1/outreach/fraud-signals", headers=world.headers("supervisor_a")).json
    assert [s["kind"] for s in listed] == ["bad_burst_against_staff"]
    assert client.get("/api/v1/outreach/fraud-signals", headers=world.headers("handler_b")).status_code == 403
    url = f"/api/v1/outreach/fraud-signals/{listed[0]['id']}/review"
    assert client.post(url, json={"status": "dismissed"}, headers=world.headers("supervisor_a")).status_code == 422
    done = client.post(url, json={"status": "dismissed", "note": "核实为真实差评"},
                       headers=world.headers("supervisor_a"))
    assert done.status_code == 200 and done.json["status"] == "dismissed"
    assert client.post(url, json={"status": "confirmed", "note": "x"},
                       headers=world.headers("supervisor_a")).status_code == 409


def test_every_three_active_evaluations_earn_points_once(world, clock):
    _evaluations(world, 7, step=timedelta(hours=3))
    for evaluation in db.session.scalars(select(Evaluation)):
        evaluation.received_at = clock.now()
    db.session.commit()
    assert points.award_participation() == 2  # 3 and 6
    assert points.award_participation() == 0
    entries, total = points.ledger("same-person")
    assert (len(entries), total) == (2, 20)


def test_an_adopted_suggestion_earns_points_and_the_evaluator_sees_the_ledger(app, client, world):
    s = _evaluations(world, 1, level=3)
    s.evaluations[0].comment = "建议增加周末服务"
    db.session.commit()
    response = client.post("/api/v1/outreach/points/suggestions",
                           json={"evaluation_id": s.evaluations[0].id, "note": "采纳：增设周六窗口"},
                           headers=world.headers("supervisor_a"))
    assert response.status_code == 201, response.json
    assert client.post("/api/v1/outreach/points/suggestions",
                       json={"evaluation_id": s.evaluations[0].id, "note": "again"},
                       headers=world.headers("supervisor_a")).status_code == 409
    assert db.session.scalar(select(PointsEntry.points)) == 20
    page = app.test_client().get(f"/evaluator/points/{points.ledger_token('same-person')}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="points-total">20<' in html and "采纳：增设周六窗口" in html
    assert app.test_client().get("/evaluator/points/forged-token").status_code == 404
