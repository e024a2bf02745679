"""The inbox: open tasks a caller may work, with deadlines in working days."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.settings import to_local
from app.task.models import CaseTask, TaskState
from app.user.principal import Principal


def inbox(filters: dict, *, principal: Principal) -> tuple[list[CaseTask], int]:
    """One page of the caller's open tasks, most urgent first, and how many there are in all.

    The page is chosen on the inbox index alone (ids only), then its rows and their cases, units and
    claimants are loaded in one query per table.
    """
    query = _inbox_query(filters, principal)
    total = db.session.scalar(query.with_only_columns(func.count()))
    order = CaseTask.due_at.desc() if filters.get("sort") == "-due_at" else CaseTask.due_at.asc()
    ids = list(db.session.scalars(query.order_by(order.nulls_last(), CaseTask.id)
                                  .offset((filters["page"] - 1) * filters["per_page"]).limit(filters["per_page"])))
    if not ids:
        return [], total
    loaded = {t.id: t for t in db.session.scalars(
        select(CaseTask).where(CaseTask.id.in_(ids))
        .options(selectinload(CaseTask.case).load_only(BadReviewCase.case_no, BadReviewCase.category),
                 selectinload(CaseTask.org_unit), selectinload(CaseTask.claimed_by)))}
    return [loaded[i] for i in ids], total


def _inbox_query(filters: dict, principal: Principal):
    """Ids of the open tasks the caller may work that match ``filters``."""
    query = select(CaseTask.id).where(workable(principal))
    if filters.get("task"):
        query = query.where(CaseTask.bpmn_id.in_(filters["task"]))
    if filters.get("overdue") is not None:
        late = CaseTask.due_at < now()
        query = query.where(late if filters["overdue"] else or_(~late, CaseTask.due_at.is_(None)))
    if filters.get("category") or filters.get("q"):
        query = query.join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
    if filters.get("category"):
        query = query.where(BadReviewCase.category.in_(filters["category"]))
    if filters.get("q"):
        service_cases = (select(Evaluation.id).join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
                         .where(ServiceCase.case_no == filters["q"]))
        query = query.where(or_(BadReviewCase.case_no == filters["q"],
                                BadReviewCase.evaluation_id.in_(service_cases)))
    return query


def workable(principal: Principal):
    """SQL condition: an open task the caller may work (one of its roles, a unit in the caller's scope).

    Scope is the list of the caller's unit ids rather than a path prefix, so that the index on (state,
    org unit, task, roles, due) answers the filter, the count and the ordering without reading the table.
    The ids are rendered inline: a province-wide scope may hold more units than a statement may bind.
    """
    units = bindparam("scope_units", list(principal.scope_unit_ids), expanding=True, literal_execute=True)
    return and_(CaseTask.state == TaskState.open, CaseTask.org_unit_id.in_(units),
                CaseTask.role_filter([str(r) for r in principal.roles]))


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
