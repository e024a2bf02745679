"""Opening and reading bad-review cases. The lifecycle itself runs in the workflow engine."""
from __future__ import annotations

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
        case_no=f"CP{to_local(received):%Y%m%d}{evaluation.id:08d}",
        evaluation=evaluation,
        responsible_org=service_case.org_unit,
        org_path=service_case.org_unit.path,
        received_at=received,
        status=CaseStatus.open,
    )
    db.session.add(case)
    db.session.flush()
    audit.record(actor=actor, action="case.opened", subject_type="case", subject_id=case.id,
                 payload={"case_no": case.case_no, "evaluation_id": evaluation.id,
                          "responsible_org": service_case.org_unit.code, "level": evaluation.level})
    lifecycle.start(case, actor=actor)
    return case


def find_for_evaluation(evaluation_id: int) -> BadReviewCase | None:
    return db.session.scalar(select(BadReviewCase).where(BadReviewCase.evaluation_id == evaluation_id))
