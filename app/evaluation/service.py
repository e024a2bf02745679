"""Evaluation intake from every channel, and scoped reading.

A bad evaluation (level 1 or 2) opens its bad-review case in the same transaction, so there is
never a bad review without a case or a case without its evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import audit
from app.case import service as case_service
from app.clock import now
from app.db import db
from app.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.evaluation.models import Evaluation, EvaluationChannel, EvaluationSource
from app.org import service as org_service
from app.org.models import OrgUnit
from app.outreach import fraud
from app.outreach.options import window_working_days
from app.outreach.window import closed_message, supplementary_window_closed
from app.privacy import mask_certificate, mask_name, mask_phone
from app.service_case import service as service_case_service
from app.user.models import Role
from app.user.principal import Principal

# Who may send evaluations (API and bulk import alike); handlers only for the staff-entry channels.
WRITER_ROLES = (Role.integration, Role.handler)
# Window staff key in paper forms from villages without a device; every other channel is a system.
STAFF_ENTRY_CHANNELS = frozenset({EvaluationChannel.paper_form})


def create(data: dict, *, principal: Principal) -> Evaluation:
    check_channel_allowed(principal, data["channel"])
    service_case = service_case_service.find_by_no(data["service_case_no"])
    if service_case is None:
        raise ValidationError("办件不存在", field="service_case_no")
    if not principal.can_see(service_case.org_unit):
        raise PermissionDeniedError("该办件不在您的接入或管辖范围内")
    check_timing(service_case, data["evaluated_at"])
    if db.session.scalar(select(Evaluation.id).where(Evaluation.service_case_id == service_case.id)):
        raise ConflictError(ALREADY_EVALUATED, field="service_case_no")
    evaluation = Evaluation(service_case=service_case,
                            **columns(data, service_case.org_unit, received=now(), principal=principal))
    db.session.add(evaluation)
    db.session.flush()
    audit.record(**received_event(evaluation.id, service_case.case_no, data, principal=principal))
    fraud.record_origin(evaluation.id, device_id=data.get("device_id"), client_address=client_address(data))
    if evaluation.is_bad:
        case_service.open_for(evaluation, actor=principal.label)
    return evaluation


ALREADY_EVALUATED = "该办件已有评价，一次办理只能评价一次"


def columns(data: dict, org_unit: OrgUnit, *, received: datetime, principal: Principal) -> dict:
    """The row of an evaluation taken in from ``data`` (loaded by ``EvaluationCreateSchema``)."""
    return {"org_unit_id": org_unit.id, "org_path": org_unit.path, "level": data["level"],
            "channel": data["channel"], "real_name": data["real_name"], "comment": data.get("comment"),
            "reasons": list(data.get("reasons") or []), "evaluated_at": data["evaluated_at"], "received_at": received,
            "source": EvaluationSource.active, "adopted": True, "submitted_by_id": principal.user.id}


def received_event(evaluation_id: int, service_case_no: str, data: dict, *, principal: Principal) -> dict:
    return {"actor": principal.label, "action": "evaluation.received", "subject_type": "evaluation",
            "subject_id": evaluation_id,
            "payload": {"service_case_no": service_case_no, "level": data["level"], "channel": str(data["channel"]),
                        "real_name": data["real_name"], "evaluated_at": data["evaluated_at"].isoformat(),
                        "reasons": list(data.get("reasons") or [])}}


def client_address(data: dict) -> str | None:
    address = data.get("client_address")
    return str(address) if address else None


def check_channel_allowed(principal: Principal, channel: EvaluationChannel) -> None:
    if principal.has_any(Role.integration):
        return
    if channel in STAFF_ENTRY_CHANNELS and principal.has_any(Role.handler):
        return
    raise PermissionDeniedError("您的角色不能录入该渠道的评价")


@dataclass(frozen=True)
class TimingRules:
    """What the timing check compares with, read once per request (or per batch)."""

    latest: datetime  # evaluations from later than this are from the future
    window_days: int  # the supplementary window, in working days after the service

    @classmethod
    def current(cls) -> TimingRules:
        skew = timedelta(seconds=current_app.config["EVALUATION_FUTURE_SKEW_SECONDS"])
        return cls(now() + skew, window_working_days())


def check_timing(service_case, evaluated_at, rules: TimingRules | None = None) -> None:
    rules = rules or TimingRules.current()
    if service_case.finished_at is None:
        raise ValidationError("办件尚未办结，不能评价", field="service_case_no")
    if evaluated_at < service_case.finished_at:
        raise ValidationError("评价时间早于办结时间", field="evaluated_at")
    if evaluated_at > rules.latest:
        raise ValidationError("评价时间晚于当前时间", field="evaluated_at")
    if supplementary_window_closed(service_case, evaluated_at, days=rules.window_days):
        raise ValidationError(closed_message(days=rules.window_days), field="evaluated_at")


def get(evaluation_id: int, *, principal: Principal) -> Evaluation:
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFoundError("评价不存在")
    if not principal.can_see(evaluation.service_case.org_unit):
        raise PermissionDeniedError("该评价不在您的管辖范围内")
    return evaluation


def search(filters: dict, *, principal: Principal) -> tuple[list[Evaluation], int]:
    roots = org_service.narrowed_roots(filters.get("org_code"), principal)
    query = select(Evaluation).where(org_service.subtree_filter(Evaluation.org_path, roots))
    if filters.get("level"):
        query = query.where(Evaluation.level.in_(filters["level"]))
    if filters.get("bad") is not None:
        bad = Evaluation.level.in_([1, 2])
        query = query.where(bad if filters["bad"] else ~bad)
    if filters.get("channel"):
        query = query.where(Evaluation.channel.in_(filters["channel"]))
    if filters.get("evaluated_from"):
        query = query.where(Evaluation.evaluated_at >= filters["evaluated_from"])
    if filters.get("evaluated_to"):
        query = query.where(Evaluation.evaluated_at < filters["evaluated_to"])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = filters["per_page"]
    rows = db.session.scalars(query.order_by(Evaluation.evaluated_at.desc(), Evaluation.id.desc())
                              .offset((filters["page"] - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def present(evaluation: Evaluation, *, principal: Principal) -> dict:
    """The evaluation with its evaluator shown only as far as the caller's role needs."""
    case = evaluation.service_case
    evaluator = None
    if evaluation.real_name:
        visible = principal.sees_contact_data
        evaluator = {
            "kind": str(case.applicant_kind),
            "name": case.applicant_name if visible else mask_name(case.applicant_name),
            "phone": case.applicant_phone if visible else mask_phone(case.applicant_phone),
            "cert_no": case.applicant_cert_no if visible else mask_certificate(case.applicant_cert_no),
            "masked": not visible,
        }
    return {
        "id": evaluation.id, "service_case": case, "level": evaluation.level,
        "level_label": evaluation.level_label, "is_bad": evaluation.is_bad, "channel": evaluation.channel,
        "real_name": evaluation.real_name, "comment": evaluation.comment, "reasons": evaluation.reasons,
        "evaluated_at": evaluation.evaluated_at, "received_at": evaluation.received_at,
        "source": evaluation.source, "adopted": evaluation.adopted,
        "adoption_reason": evaluation.adoption_reason, "evaluator": evaluator,
        "bad_review_case_id": evaluation.bad_review_case.id if evaluation.bad_review_case else None,
    }
