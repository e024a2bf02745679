"""Opening and reading bad-review cases. The lifecycle itself runs in the workflow engine."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app import audit
from app.case import lifecycle
from app.case.models import BadReviewCase, CaseStatus
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.settings import to_local


def open_for(evaluation: Evaluation, *, actor: str) -> BadReviewCase:
    """Opens the case for a bad evaluation, routed to the unit that handled the service case."""
    service_case = evaluation.service_case
    received = now()
    case = BadReviewCase(
        case_no=case_no_for(evaluation.id, received),
        evaluation=evaluation,
        responsible_org=service_case.org_unit,
        org_path=service_case.org_unit.path,
        received_at=received,
        status=CaseStatus.open,
    )
    db.session.add(case)
    db.session.flush()
    audit.record(**opened_event(case.id, case.case_no, evaluation.id, service_case.org_unit.code, evaluation.level,
                                actor=actor))
    lifecycle.start(case, actor=actor)
    return case


def case_no_for(evaluation_id: int, received: datetime) -> str:
    return f"CP{to_local(received):%Y%m%d}{evaluation_id:08d}"


def opened_event(case_id: int, case_no: str, evaluation_id: int, org_code: str, level: int, *, actor: str) -> dict:
    return {"actor": actor, "action": "case.opened", "subject_type": "case", "subject_id": case_id,
            "payload": {"case_no": case_no, "evaluation_id": evaluation_id, "responsible_org": org_code,
                        "level": level}}


def find_for_evaluation(evaluation_id: int) -> BadReviewCase | None:
    return db.session.scalar(select(BadReviewCase).where(BadReviewCase.evaluation_id == evaluation_id))
