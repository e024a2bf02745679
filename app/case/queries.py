"""Reading bad-review cases: scoped search, detail and full history."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from app.audit.models import AuditEvent
from app.case.models import STATUS_LABELS, BadReviewCase
from app.db import db
from app.errors import NotFoundError, PermissionDeniedError
from app.evaluation import service as evaluation_service
from app.org import service as org_service
from app.process_model.models import ProcessModel
from app.task import service as task_service
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal


def get(case_id: int, *, principal: Principal) -> BadReviewCase:
    case = db.session.get(BadReviewCase, case_id)
    if case is None:
        raise NotFoundError("差评工单不存在")
    if not principal.can_see(case.responsible_org):
        raise PermissionDeniedError("该工单不在您的管辖范围内")
    return case


def search(filters: dict, *, principal: Principal) -> tuple[list[BadReviewCase], int]:
    roots = org_service.narrowed_roots(filters.get("org_code"), principal)
    query = select(BadReviewCase).where(org_service.subtree_filter(BadReviewCase.org_path, roots))
    for key, column in (("status", BadReviewCase.status), ("category", BadReviewCase.category)):
        if filters.get(key):
            query = query.where(column.in_(filters[key]))
    if filters.get("overdue") is not None:
        query = query.where(BadReviewCase.overdue.is_(filters["overdue"]))
    if filters.get("received_from"):
        query = query.where(BadReviewCase.received_at >= filters["received_from"])
    if filters.get("received_to"):
        query = query.where(BadReviewCase.received_at < filters["received_to"])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(BadReviewCase.received_at.desc(), BadReviewCase.id.desc())
                              .offset((filters["page"] - 1) * filters["per_page"]).limit(filters["per_page"]))
    return list(rows), total


def summary(case: BadReviewCase, *, principal: Principal) -> dict:
    return {
        "id": case.id, "case_no": case.case_no, "status": str(case.status),
        "status_label": STATUS_LABELS.get(case.status, str(case.status)), "stage": case.stage,
        "category": case.category, "overdue": case.overdue, "received_at": case.received_at,
        "due_at": case.due_at, "due_provisional": case.due_provisional, "closed_at": case.closed_at,
        "responsible_org": {"code": case.responsible_org.code, "name": case.responsible_org.name},
        "service_case_no": case.evaluation.service_case.case_no, "level": case.evaluation.level,
    }


def detail(case: BadReviewCase, *, principal: Principal) -> dict:
    tasks = db.session.scalars(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id)).all()
    classify = next((t.submitted for t in reversed(tasks) if t.bpmn_id == "classify" and t.submitted), None)
    model = db.session.get(ProcessModel, case.process_model_id) if case.process_model_id else None
    return {
        **summary(case, principal=principal),
        "deadlines": case.deadlines or {},
        "classification": {k: classify.get(k) for k in ("category", "nature", "aspect", "co_departments")}
        if classify else None,
        "current_tasks": [task_service.present(t) for t in tasks if t.state == TaskState.open],
        "evaluation": evaluation_service.present(case.evaluation, principal=principal),
        "model": {"process_id": model.process_id, "version": model.version} if model else None,
    }


def history(case: BadReviewCase) -> list[AuditEvent]:
    """Every event of the case and of its evaluation, in the order they were written (by id: events waiting
    to be sealed have no seq yet, and a case's events are written one transaction after another)."""
    return list(db.session.scalars(select(AuditEvent).where(or_(
        and_(AuditEvent.subject_type == "case", AuditEvent.subject_id == str(case.id)),
        and_(AuditEvent.subject_type == "evaluation", AuditEvent.subject_id == str(case.evaluation_id)),
    )).order_by(AuditEvent.id)))
