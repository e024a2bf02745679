"""The public side of evaluation: rating a service case from a link, reading the department's feedback on a
bad review and answering the return visit. Services flush; the page commits.

Evaluations from the public go through ``evaluation.service.create`` like every other channel, submitted by a
system account (config ``PUBLIC_RATING_ACCOUNT``, role ``integration``) whose scope covers the service cases.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.case.models import BadReviewCase, CaseStatus
from app.clock import now
from app.db import db
from app.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ValidationError
from app.evaluation import service as evaluation_service
from app.evaluation.models import BAD_LEVELS, LEVEL_LABELS, Evaluation, EvaluationChannel
from app.evaluator.models import EvaluatorReply
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.task.models import CaseTask, TaskState
from app.user import service as user_service
from app.user.models import Role
from app.user.principal import Principal

log = logging.getLogger(__name__)

# Reasons a bad rating may give (Jiangning's four aspects plus "other"); ignored for a good rating.
REASONS = {"attitude": "服务态度", "efficiency": "办事效率", "quality": "服务质量", "environment": "服务环境",
           "other": "其他"}
# Same codes as the supervision office's return-visit form.
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
# What the evaluator reads: 已销号 is an internal word.
PUBLIC_STATUS = {CaseStatus.open: "处理中", CaseStatus.closed: "已办结", CaseStatus.not_adopted: "不予采纳"}
PUBLIC_ACTOR = "evaluator:public"


class PublicAccountError(DomainError):
    status = 503
    code = "unavailable"


class AlreadyRatedError(ConflictError):
    pass


class NotFinishedError(ConflictError):
    pass


ALREADY_RATED = "该办件已评价，感谢您的参与"
NOT_FINISHED = "该办件尚未办结，办结后即可评价"


def public_principal() -> Principal:
    """The principal of the system account that submits the public's ratings."""
    username = current_app.config["PUBLIC_RATING_ACCOUNT"]
    user = user_service.get_by_username(username)
    if user is None or not user.active or Role.integration not in user.roles:
        log.error("public rating account %r is missing, inactive or lacks the integration role", username)
        raise PublicAccountError(f"公众评价渠道未配置：缺少启用的对接系统账号 {username}（角色 integration）")
    return Principal.for_user(user)


# rating -----------------------------------------------------------------------------------------
def rating_subject(case_no: str) -> ServiceCase:
    service_case = service_case_service.find_by_no(case_no)
    if service_case is None:
        raise NotFoundError("未找到该办件，请核对评价链接")
    return service_case


def rating_refusal(service_case: ServiceCase) -> str | None:
    """Why the service case cannot be rated now, in the evaluator's words; None when it can."""
    if db.session.scalar(select(Evaluation.id).where(Evaluation.service_case_id == service_case.id)):
        return ALREADY_RATED
    if service_case.finished_at is None:
        return NOT_FINISHED
    return None


@dataclass(frozen=True)
class RatingForm:
    level: str | None
    reasons: list[str]
    comment: str
    device_id: str | None = None  # the rater's browser (a random first-party cookie), for fraud signals only
    client_address: str | None = None


def rate(service_case: ServiceCase, form: RatingForm, *, channel: EvaluationChannel) -> Evaluation:
    """Stores the rating (and, for a bad one, opens its case); ValidationError names the field to fix."""
    level, comment = _level(form.level), _comment(form.comment)
    refusal = rating_refusal(service_case)
    if refusal is not None:
        raise (AlreadyRatedError if refusal == ALREADY_RATED else NotFinishedError)(refusal)
    reasons = [r for r in dict.fromkeys(form.reasons) if r in REASONS] if level in BAD_LEVELS else []
    data = {"service_case_no": service_case.case_no, "level": level, "channel": channel, "comment": comment,
            "reasons": reasons, "evaluated_at": now(), "real_name": True,
            "device_id": form.device_id, "client_address": form.client_address}
    principal = public_principal()
    try:
        with db.session.begin_nested():
            return evaluation_service.create(data, principal=principal)
    except ConflictError:
        raise AlreadyRatedError(ALREADY_RATED) from None
    except IntegrityError:  # a concurrent rating of the same service case won the race
        raise AlreadyRatedError(ALREADY_RATED) from None
    except PermissionDeniedError:
        log.error("public rating account does not cover %s (%s)", service_case.case_no, service_case.org_unit.code)
        raise PublicAccountError("该办件暂不支持在线评价，请联系办理窗口") from None


def _level(value: str | None) -> int:
    if value is None or not value.isdigit() or int(value) not in LEVEL_LABELS:
        raise ValidationError("请选择一项评价", field="level")
    return int(value)


def _comment(value: str) -> str | None:
    text = (value or "").strip()
    limit = current_app.config["COMMENT_MAX_LENGTH"]
    if len(text) > limit:
        raise ValidationError(f"评价内容不能超过 {limit} 字", field="comment")
    return text or None


# feedback and return visit -------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicFeedback:
    """What the evaluator may read about their bad review: no staff names, no internal notes."""

    case_no: str
    item_name: str
    evaluated_at: datetime
    level_label: str
    status_label: str
    in_progress: bool
    not_adopted_reason: str | None
    feedback_text: str | None
    measures: str | None
    result: str | None
    feedback_at: datetime | None
    reply: EvaluatorReply | None

    @property
    def can_reply(self) -> bool:
        return self.feedback_text is not None and self.reply is None


def get_case(case_id: int) -> BadReviewCase:
    case = db.session.get(BadReviewCase, case_id)
    if case is None:
        raise NotFoundError("未找到该差评记录，请核对反馈链接")
    return case


def public_feedback(case: BadReviewCase) -> PublicFeedback:
    evaluation = case.evaluation
    task = _latest_feedback(case.id)
    submitted = (task.submitted or {}) if task else {}
    report = submitted.get("report") or {}
    not_adopted = case.status == CaseStatus.not_adopted
    return PublicFeedback(
        case_no=case.case_no, item_name=evaluation.service_case.item.name, evaluated_at=evaluation.evaluated_at,
        level_label=evaluation.level_label, status_label=PUBLIC_STATUS.get(case.status, "处理中"),
        in_progress=case.status == CaseStatus.open,
        not_adopted_reason=evaluation.adoption_reason if not_adopted else None,
        feedback_text=submitted.get("feedback_text") if task else None,
        measures=report.get("measures"), result=report.get("result"),
        feedback_at=task.closed_at if task else None, reply=_reply_of(case.id))


def reply(case: BadReviewCase, *, satisfaction: str | None, comment: str) -> tuple[EvaluatorReply, bool]:
    """Stores the evaluator's return-visit answer once; returns (reply, created)."""
    if _latest_feedback(case.id) is None:
        raise ConflictError("相关部门尚未反馈处理情况，反馈后即可提交回访意见")
    existing = _reply_of(case.id)
    if existing is not None:
        return existing, False
    if satisfaction not in SATISFACTION:
        raise ValidationError("请选择您对处理结果的满意程度", field="satisfaction")
    answer = EvaluatorReply(case_id=case.id, satisfaction=satisfaction, comment=_comment(comment), created_at=now())
    db.session.add(answer)
    db.session.flush()
    audit.record(actor=PUBLIC_ACTOR, action="evaluator.replied", subject_type="case", subject_id=case.id,
                 payload={"reply_id": answer.id, "satisfaction": satisfaction,
                          "has_comment": answer.comment is not None})
    return answer, True


def _latest_feedback(case_id: int) -> CaseTask | None:
    return db.session.scalar(
        select(CaseTask).where(CaseTask.case_id == case_id, CaseTask.bpmn_id == "feedback",
                               CaseTask.state == TaskState.completed)
        .order_by(CaseTask.closed_at.desc(), CaseTask.id.desc()).limit(1))


def _reply_of(case_id: int) -> EvaluatorReply | None:
    return db.session.scalar(
        select(EvaluatorReply).where(EvaluatorReply.case_id == case_id).order_by(EvaluatorReply.id).limit(1))
