"""Default ratings: a service case still without an evaluation N natural days after it finished (policy,
Fujian §5: 7) gets an evaluation of the profile's level, ``source = default``. It counts as evaluated but
never as active, and it is never a bad review: a profile asking for level 1 or 2 is refused."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import now
from app.db import db
from app.evaluation.models import BAD_LEVELS, Evaluation, EvaluationChannel, EvaluationSource
from app.outreach import options
from app.outreach.window import default_due_at
from app.service_case.models import ServiceCase, ServiceChannel

log = logging.getLogger(__name__)
ACTOR = "system:outreach"
# A default rating has no device; it is filed under the channel that serves the way the service was delivered.
CHANNEL_FOR_SERVICE = {ServiceChannel.window: EvaluationChannel.window_device,
                       ServiceChannel.online: EvaluationChannel.web, ServiceChannel.app: EvaluationChannel.app,
                       ServiceChannel.self_service: EvaluationChannel.self_service_terminal,
                       ServiceChannel.mail: EvaluationChannel.web}


class DefaultRatingPolicyError(ValueError):
    pass


def due_ids(limit: int = 500) -> list[int]:
    rule = options.default_rating()
    if rule is None:
        return []
    query = (select(ServiceCase.id)
             .where(ServiceCase.finished_at <= now() - timedelta(days=rule.after_days),
                    ~exists().where(Evaluation.service_case_id == ServiceCase.id))
             .order_by(ServiceCase.finished_at, ServiceCase.id).limit(limit))
    return list(db.session.scalars(query))


def apply(service_case_id: int, *, actor: str = ACTOR) -> Evaluation | None:
    """Records the default evaluation when it is due; None when evaluated meanwhile or not due yet."""
    rule = options.default_rating()
    if rule is None:
        return None
    if rule.level in BAD_LEVELS:
        raise DefaultRatingPolicyError("默认评价不能是差评（等级须为 3–5）")
    case = db.session.get(ServiceCase, service_case_id)
    due = default_due_at(case)
    if due is None or now() < due:
        return None
    evaluation = Evaluation(service_case=case, org_unit_id=case.org_unit_id, org_path=case.org_unit.path,
                            level=rule.level, channel=CHANNEL_FOR_SERVICE.get(case.channel, EvaluationChannel.web),
                            real_name=False, comment=None, reasons=[], evaluated_at=due, received_at=now(),
                            source=EvaluationSource.default, adopted=True, submitted_by_id=None)
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
            db.session.flush()
    except IntegrityError:  # the evaluator rated it a moment ago
        return None
    audit.record(actor=actor, action="evaluation.defaulted", subject_type="evaluation", subject_id=evaluation.id,
                 payload={"service_case_no": case.case_no, "level": rule.level, "after_days": rule.after_days,
                          "evaluated_at": due.isoformat()})
    return evaluation
