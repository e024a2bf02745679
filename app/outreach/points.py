"""The evaluators' points ledger (积分, Jiangning): points for every N active evaluations and for a suggestion
the supervision office adopts. Amounts and N are settings; an evaluator is known only by the keyed hash of
the phone number, and reads the ledger through a signed link."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.evaluation.models import Evaluation, EvaluationSource
from app.outreach import options
from app.outreach.models import PointsEntry
from app.service_case.models import ServiceCase
from app.user.principal import Principal

ACTOR = "system:points"
PARTICIPATION = "participation"
SUGGESTION = "suggestion_adopted"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="points-ledger")


def ledger_token(evaluator_key: str) -> str:
    return _serializer().dumps(evaluator_key)


def evaluator_for(token: str) -> str:
    try:
        return _serializer().loads(token)
    except BadSignature:
        raise NotFoundError("链接无效") from None


def award_participation(*, look_back: timedelta = timedelta(days=2)) -> int:
    """Gives every evaluator active in the look-back the points for each full N active evaluations not yet paid."""
    every = int(options.setting("POINTS_EVERY_EVALUATIONS"))
    amount = int(options.setting("POINTS_FOR_PARTICIPATION"))
    key = ServiceCase.applicant_phone_hash
    counted = [Evaluation.source == EvaluationSource.active, Evaluation.adopted.is_(True), key.is_not(None)]
    recent = (select(key).join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
              .where(*counted, Evaluation.received_at >= now() - look_back))
    totals = db.session.execute(select(key, func.count(Evaluation.id)).join(
        Evaluation, Evaluation.service_case_id == ServiceCase.id).where(*counted, key.in_(recent)).group_by(key))
    added = 0
    for evaluator_key, total in totals:
        paid = set(db.session.scalars(select(PointsEntry.reference).where(
            PointsEntry.evaluator_key == evaluator_key, PointsEntry.kind == PARTICIPATION)))
        for milestone in range(1, total // every + 1):
            reference = f"evaluations-{milestone * every}"
            if reference not in paid:
                _add(evaluator_key, PARTICIPATION, reference, amount, None, f"累计主动评价 {milestone * every} 次",
                     ACTOR)
                added += 1
    return added


def award_suggestion(evaluation_id: int, *, note: str, principal: Principal) -> PointsEntry:
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFoundError("评价不存在")
    if not principal.can_see(evaluation.service_case.org_unit):
        raise PermissionDeniedError("该评价不在您的管辖范围内")
    evaluator_key = evaluation.service_case.applicant_phone_hash
    if not evaluator_key or not evaluation.comment:
        raise ValidationError("只有留有意见建议、可识别评价人的评价才能记积分", field="evaluation_id")
    reference = f"evaluation-{evaluation.id}"
    if db.session.scalar(select(PointsEntry.id).where(PointsEntry.evaluator_key == evaluator_key,
                                                      PointsEntry.kind == SUGGESTION,
                                                      PointsEntry.reference == reference)):
        raise ConflictError("该建议已记过积分")
    return _add(evaluator_key, SUGGESTION, reference, suggestion_points(), evaluation.id, note, principal.label)


def suggestion_points() -> int:
    return int(options.setting("POINTS_FOR_ADOPTED_SUGGESTION"))


def adopted_suggestion(evaluation_id: int) -> PointsEntry | None:
    """The points entry of the evaluation's adopted suggestion, if it was adopted."""
    return db.session.scalar(select(PointsEntry).where(PointsEntry.kind == SUGGESTION,
                                                       PointsEntry.reference == f"evaluation-{evaluation_id}"))


def _add(evaluator_key: str, kind: str, reference: str, amount: int, evaluation_id: int | None, note: str,
         actor: str) -> PointsEntry:
    entry = PointsEntry(evaluator_key=evaluator_key, kind=kind, reference=reference, points=amount,
                        evaluation_id=evaluation_id, note=note, created_at=now(), created_by=actor)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor=actor, action="points.awarded", subject_type="points_entry", subject_id=entry.id,
                 payload={"evaluator": evaluator_key[:8], "kind": kind, "reference": reference, "points": amount})
    return entry


def ledger(evaluator_key: str) -> tuple[list[PointsEntry], int]:
    entries = list(db.session.scalars(select(PointsEntry).where(PointsEntry.evaluator_key == evaluator_key)
                                      .order_by(PointsEntry.created_at, PointsEntry.id)))
    return entries, sum(e.points for e in entries)
