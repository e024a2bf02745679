"""The inbox: open tasks a caller may work, with deadlines in working days."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.org.service import subtree_filter
from app.service_case.models import ServiceCase
from app.settings import to_local
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal


def inbox(filters: dict, *, principal: Principal) -> tuple[list[CaseTask], int]:
    query = (select(CaseTask).join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
             .where(CaseTask.state == TaskState.open,
                    CaseTask.role_filter([str(r) for r in principal.roles]),
                    subtree_filter(CaseTask.org_path, list(principal.scope_roots))))
    if filters.get("task"):
        query = query.where(CaseTask.bpmn_id.in_(filters["task"]))
    if filters.get("category"):
        query = query.where(BadReviewCase.category.in_(filters["category"]))
    if filters.get("overdue") is not None:
        late = CaseTask.due_at < now()
        query = query.where(late if filters["overdue"] else or_(~late, CaseTask.due_at.is_(None)))
    if filters.get("q"):
        service_cases = (select(Evaluation.id).join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
                         .where(ServiceCase.case_no == filters["q"]))
        query = query.where(or_(BadReviewCase.case_no == filters["q"],
                                BadReviewCase.evaluation_id.in_(service_cases)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    order = CaseTask.due_at.desc() if filters.get("sort") == "-due_at" else CaseTask.due_at.asc()
    rows = db.session.scalars(query.order_by(order.nulls_last(), CaseTask.id)
                              .offset((filters["page"] - 1) * filters["per_page"]).limit(filters["per_page"]))
    return list(rows), total


def working_days_left(due_at: datetime | None) -> int | None:
    """Working days from today to the deadline's date: 0 = due today, negative = days overdue."""
    if due_at is None:
        return None
    calendar = get_calendar()
    today = to_local(now()).date()
    deadline_date = (to_local(due_at) - timedelta(minutes=calendar.cutoff_minutes)).date()
    if deadline_date >= today:
        return calendar.get_working_days_delta(today, deadline_date)
    return -calendar.get_working_days_delta(deadline_date, today)


def present(task: CaseTask) -> dict:
    moment = now()
    return {
        "id": task.id, "case_id": task.case_id, "case_no": task.case.case_no, "task": task.bpmn_id,
        "name": task.name, "lane": task.lane, "roles": task.roles, "org_code": task.org_unit.code,
        "org_name": task.org_unit.name, "state": str(task.state), "due_at": task.due_at,
        "due_provisional": task.due_provisional, "working_days_left": working_days_left(task.due_at),
        "overdue": bool(task.state == TaskState.open and task.due_at and task.due_at < moment),
        "opened_at": task.opened_at, "closed_at": task.closed_at,
        "claimed_by": task.claimed_by.username if task.claimed_by else None,
        "completed_by": task.completed_by.username if task.completed_by else None,
        "category": task.case.category,
    }
