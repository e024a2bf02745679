"""Intake in bulk: every item answered exactly as a single intake answers it, the rows written set-wise."""
from __future__ import annotations

from datetime import timedelta

import pytest
from marshmallow import ValidationError as SchemaError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.case import opening
from app.case.models import BadReviewCase
from app.db import db
from app.errors import DomainError
from app.evaluation import bulk, service
from app.evaluation.models import Evaluation
from app.evaluation.schemas import EvaluationCreateSchema
from app.outreach.models import EvaluationOrigin
from app.task.models import CaseTask
from app.user.models import ApiToken
from app.user.principal import Principal
from app.user.service import get_by_username


def _item(case_no, clock, **overrides):
    item = {"service_case_no": case_no, "level": 4, "channel": "qr_code",
            "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat(), "real_name": False}
    item.update(overrides)
    return item


def _single_intake_answers(items, principal):
    """What taking the items in one at a time answers: the reference the batch must match."""
    schema, answers = EvaluationCreateSchema(), []
    for index, raw in enumerate(items):
        answer = {"index": index, "status": "rejected", "evaluation_id": None, "bad_review_case_id": None}
        try:
            if not isinstance(raw, dict):
                raise service.ValidationError("每一项必须是 JSON 对象", field="item")
            data = schema.load(raw)
            with db.session.begin_nested():
                evaluation = service.create(data, principal=principal)
            answer.update(status="accepted", evaluation_id=evaluation.id,
                          bad_review_case_id=evaluation.bad_review_case.id if evaluation.bad_review_case else None)
        except SchemaError as err:
            answer["error"] = {"code": "invalid", "message": "请求字段无效", "fields": err.messages}
        except DomainError as err:
            answer["error"] = {"code": err.code, "message": err.message, "fields": err.fields}
        answers.append(answer)
    return answers


def _without_ids(answers):
    return [{**a, "evaluation_id": a["evaluation_id"] is not None,
             "bad_review_case_id": a["bad_review_case_id"] is not None} for a in answers]


def _counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Evaluation, BadReviewCase, CaseTask, EvaluationOrigin, AuditEvent)}


@pytest.fixture
def mixed_batch(client, world, clock, make_service_case):
    """Good items, bad reviews and one item of every kind of refusal, sent by client_a (token for 甲县)."""
    good, bad1, bad2, bad_mkt, origin = (make_service_case() for _ in range(5))
    bad_mkt = make_service_case(org="A-MKT", item="ITEM-MKT-1")
    other_county = make_service_case(org="B-HR", item="ITEM-BHR-1")
    unfinished = make_service_case(finished=False)
    early, late = make_service_case(), make_service_case(finished_ago=timedelta(days=20))
    evaluated = make_service_case()
    first = client.post("/api/v1/evaluations", json=_item(evaluated.case_no, clock),
                        headers=world.headers("client_a"))
    assert first.status_code == 201
    now = clock.now()
    return [
        _item(good.case_no, clock, level=5, comment="很好", reasons=["efficiency"]),
        _item(bad1.case_no, clock, level=1, real_name=True, comment="排队太久", reasons=["efficiency"]),
        "not an object",
        _item(good.case_no, clock, level=9, channel="carrier_pigeon"),
        _item("UNKNOWN", clock),
        _item(other_county.case_no, clock),
        _item(unfinished.case_no, clock),
        _item(early.case_no, clock, evaluated_at=(now - timedelta(days=2)).isoformat()),
        _item(origin.case_no, clock, evaluated_at=(now + timedelta(hours=1)).isoformat()),
        _item(late.case_no, clock),
        _item(evaluated.case_no, clock),
        _item(good.case_no, clock, level=3),  # the same service case twice in one batch
        _item(early.case_no, clock, level=2),  # its earlier item was refused: this one lands
        _item(bad2.case_no, clock, level=2, real_name=False),
        _item(bad_mkt.case_no, clock, level=1, real_name=True),
        _item(origin.case_no, clock, level=5, device_id="phone-1", client_address="10.1.2.3"),
    ]


def test_a_mixed_batch_answers_every_item_as_a_single_intake_would(client, world, mixed_batch):
    before = _counts()
    reference = db.session.begin_nested()
    expected = _single_intake_answers(mixed_batch, _client_a_principal())
    reference.rollback()
    assert _counts() == before

    response = client.post("/api/v1/evaluations/batch", json={"items": mixed_batch},
                           headers=world.headers("client_a"))
    assert response.status_code == 200, response.json
    body = response.json
    assert _without_ids(body["results"]) == _without_ids(expected)
    assert [r["status"] == "accepted" for r in body["results"]] == [
        True, True, False, False, False, False, False, False, False, False, False, False, True, True, True, True]
    codes = [r.get("error", {}).get("code") for r in body["results"]]
    assert codes[2:12] == ["invalid", "invalid", "invalid", "forbidden", "invalid", "invalid", "invalid", "invalid",
                           "conflict", "conflict"]
    assert "评价时间晚于当前时间" in body["results"][8]["error"]["message"]
    assert "补充评价期限" in body["results"][9]["error"]["message"]
    assert (body["accepted"], body["rejected"]) == (6, 10)

    after = _counts()
    assert after["Evaluation"] - before["Evaluation"] == 6
    assert after["BadReviewCase"] - before["BadReviewCase"] == 4
    assert after["CaseTask"] - before["CaseTask"] == 4
    assert after["EvaluationOrigin"] - before["EvaluationOrigin"] == 1
    cases = {r["index"]: db.session.get(BadReviewCase, r["bad_review_case_id"])
             for r in body["results"] if r["bad_review_case_id"]}
    assert sorted(cases) == [1, 12, 13, 14]
    assert cases[14].responsible_org.code == "A-MKT"
    assert all(c.stage == "签收响应" and c.state_json for c in cases.values())
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("evaluation.received") == 6 + 1  # the earlier single intake
    assert actions.count("case.opened") == actions.count("case.process_started") == 4


def _client_a_principal():
    """client_a as its token narrows it (甲县), the way the batch endpoint sees it."""
    user = get_by_username("client_a")
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).first()
    return Principal.for_user(user, token=token)


def test_a_staff_member_may_key_in_paper_forms_only(world, clock, make_service_case):
    handler = Principal.for_user(get_by_username("handler_a"))
    cases = [make_service_case() for _ in range(2)]
    schema = EvaluationCreateSchema()
    rows = [schema.load(_item(cases[0].case_no, clock, channel="paper_form")),
            schema.load(_item(cases[1].case_no, clock, channel="qr_code"))]
    results = bulk.intake_many(rows, principal=handler)
    assert [r.status for r in results] == ["accepted", "rejected"]
    assert results[1].error["code"] == "forbidden"
    assert results[1].error["message"] == "您的角色不能录入该渠道的评价"


def test_a_service_case_evaluated_meanwhile_by_another_request_is_refused_and_the_rest_still_lands(
        world, clock, make_service_case, monkeypatch):
    principal = Principal.for_user(get_by_username("client_c"))
    cases = [make_service_case() for _ in range(3)]
    schema = EvaluationCreateSchema()
    service.create(schema.load(_item(cases[1].case_no, clock)), principal=principal)  # "the other request"
    monkeypatch.setattr(bulk, "_evaluated", lambda ids: set())  # read before the other request wrote
    before = _counts()
    rows = [schema.load(_item(c.case_no, clock, level=1)) for c in cases]
    results = bulk.intake_many(rows, principal=principal)
    assert [r.status for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1].error["code"] == "conflict"
    after = _counts()
    assert after["Evaluation"] - before["Evaluation"] == 2
    assert after["BadReviewCase"] - before["BadReviewCase"] == 2
    received = db.session.scalars(select(AuditEvent.subject_id).where(
        AuditEvent.action == "evaluation.received")).all()
    assert len(received) == len(set(received))  # no event of the rolled-back attempt survived


def test_a_failing_statement_leaves_nothing_half_written(world, clock, make_service_case, monkeypatch):
    principal = Principal.for_user(get_by_username("client_c"))
    schema = EvaluationCreateSchema()
    rows = [schema.load(_item(make_service_case().case_no, clock, level=level, device_id="d"))
            for level in (5, 1, 2)]

    def broken_insert(model, rows):
        raise RuntimeError("lost the connection")

    monkeypatch.setattr(opening, "_insert_with_ids", broken_insert)
    opening.process_model()  # deployed beforehand, as on any database that has taken in a bad review
    before = _counts()
    with pytest.raises(RuntimeError):
        bulk.intake_many(rows, principal=principal)
    assert _counts() == before


def test_a_conflict_in_a_later_table_falls_back_to_item_by_item_intake(world, clock, make_service_case, monkeypatch):
    principal = Principal.for_user(get_by_username("client_c"))
    schema = EvaluationCreateSchema()
    rows = [schema.load(_item(make_service_case().case_no, clock, level=level)) for level in (5, 1)]
    calls = []
    original = opening._insert_with_ids

    def conflicting_once(model, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return original(model, rows)

    monkeypatch.setattr(opening, "_insert_with_ids", conflicting_once)
    before = _counts()
    results = bulk.intake_many(rows, principal=principal)
    assert [r.status for r in results] == ["accepted", "accepted"]
    assert results[1].bad_review_case_id is not None
    after = _counts()
    assert (after["Evaluation"] - before["Evaluation"], after["BadReviewCase"] - before["BadReviewCase"]) == (2, 1)
    assert after["CaseTask"] - before["CaseTask"] == 1
