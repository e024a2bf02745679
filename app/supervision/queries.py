"""What the supervision office decides on, and what is running late, within the office's scope.

Queue items carry the material to decide on beside the evaluation: the department's latest submissions
of the case (appeal, verification, extension request, feedback), the return visit and the evaluator's
replies. The board lists open tasks that are overdue or due within one working day, by department.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.calendar import get_calendar
from app.calendar.deadline import due_instant
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.evaluation import service as evaluation_service
from app.evaluation.models import Evaluation
from app.evaluator.models import EvaluatorReply
from app.org.models import OrgUnit
from app.org.service import subtree_filter
from app.settings import to_local
from app.task import service as task_service
from app.task.models import CaseTask, TaskState
from app.user.models import Role, User
from app.user.principal import Principal

QUEUES = (("appeal_review", "申诉审核"), ("appeal_recheck", "申诉复核"), ("confirm_invalid", "无效差评确认"),
          ("approve_extension", "延期审批"), ("supervise", "督办"), ("return_visit", "回访"), ("close_out", "销号"))
LEAD_ONLY = frozenset({"appeal_recheck"})
DUE_SOON_DAYS = 1  # "due soon": at most this many working days left
BOARD_LIMIT = 1000  # the board is one page; beyond this it says so and shows the most urgent

_CASE_LOAD = selectinload(CaseTask.case)
_TASK_OPTIONS = (
    _CASE_LOAD.selectinload(BadReviewCase.responsible_org),
    _CASE_LOAD.selectinload(BadReviewCase.evaluation).selectinload(Evaluation.service_case),
    selectinload(CaseTask.org_unit), selectinload(CaseTask.claimed_by), selectinload(CaseTask.completed_by),
)


def queues_for(principal: Principal) -> list[tuple[str, str]]:
    """The queues this principal works: the appeal re-check belongs to the supervision lead only."""
    lead = principal.has_any(Role.supervisor_lead)
    return [(key, title) for key, title in QUEUES if lead or key not in LEAD_ONLY]


def queue_counts(principal: Principal) -> dict[str, int]:
    keys = [key for key, _ in queues_for(principal)]
    rows = db.session.execute(select(CaseTask.bpmn_id, func.count()).where(
        task_service.workable(principal), CaseTask.bpmn_id.in_(keys)).group_by(CaseTask.bpmn_id))
    return {key: 0 for key in keys} | {bpmn_id: count for bpmn_id, count in rows}


def queue_page(queue: str, *, page: int, per_page: int, principal: Principal) -> tuple[list[dict], int]:
    """One page of a queue, most urgent first, each item with its material and evaluation."""
    query = select(CaseTask).where(task_service.workable(principal), CaseTask.bpmn_id == queue)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    tasks = db.session.scalars(query.options(*_TASK_OPTIONS)
                               .order_by(CaseTask.due_at.asc().nulls_last(), CaseTask.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
    case_ids = sorted({t.case_id for t in tasks})
    steps, replies = _case_tasks(case_ids), _replies(case_ids)
    items = [{"task": task_service.present(t), "case": t.case,
              "evaluation": evaluation_service.present(t.case.evaluation, principal=principal),
              "material": material(steps.get(t.case_id, []), replies.get(t.case_id, []))} for t in tasks]
    return items, total


def material(steps: list[CaseTask], replies: list[EvaluatorReply]) -> dict:
    """The latest submission of each step of a case, as the supervision office reads it."""
    latest = {t.bpmn_id: t for t in steps if t.state == TaskState.completed}
    appeal = latest.get("sign_for")
    extension = latest.get("rectify")
    return {
        "appeal": submission(appeal) if appeal and (appeal.submitted or {}).get("action") == "appeal" else None,
        "review": submission(latest.get("appeal_review")),
        "verify": submission(latest.get("verify")),
        "extension": submission(extension)
        if extension and (extension.submitted or {}).get("action") == "request_extension" else None,
        "feedback": submission(latest.get("feedback")),
        "visit": submission(latest.get("return_visit")),
        "late": [task_service.present(t) for t in steps
                 if t.state == TaskState.open and t.lane != "supervision" and t.due_at and t.due_at < now()],
        "orders": [order(t) for t in steps if t.bpmn_id == "supervise" and t.state != TaskState.cancelled],
        "replies": replies,
    }


def submission(task: CaseTask | None) -> dict | None:
    if task is None:
        return None
    return {"data": task.submitted or {}, "at": task.closed_at, "due_at": task.due_at, "org": task.org_unit.name,
            "by": _person(task.completed_by) or "—"}


def order(task: CaseTask) -> dict:
    """A supervision order (督办): still to be issued, or issued with its instruction."""
    return {"open": task.state == TaskState.open, "opened_at": task.opened_at, "due_at": task.due_at,
            "office": task.org_unit.name, "instruction": (task.submitted or {}).get("instruction"),
            "at": task.closed_at, "by": _person(task.completed_by)}


def _person(user: User | None) -> str | None:
    if user is None:
        return None
    return user.display_name if user.display_name == user.username else f"{user.display_name}（{user.username}）"


def _case_tasks(case_ids: list[int]) -> dict[int, list[CaseTask]]:
    grouped: dict[int, list[CaseTask]] = defaultdict(list)
    if case_ids:
        rows = db.session.scalars(select(CaseTask).where(CaseTask.case_id.in_(case_ids))
                                  .options(selectinload(CaseTask.org_unit), selectinload(CaseTask.completed_by))
                                  .order_by(CaseTask.id))
        for task in rows:
            grouped[task.case_id].append(task)
    return grouped


def _replies(case_ids: list[int]) -> dict[int, list[EvaluatorReply]]:
    grouped: dict[int, list[EvaluatorReply]] = defaultdict(list)
    if case_ids:
        rows = db.session.scalars(select(EvaluatorReply).where(EvaluatorReply.case_id.in_(case_ids))
                                  .order_by(EvaluatorReply.created_at, EvaluatorReply.id))
        for reply in rows:
            grouped[reply.case_id].append(reply)
    return grouped


# The overdue board -----------------------------------------------------------------------------------

@dataclass
class DepartmentGroup:
    org: OrgUnit
    rows: list[dict] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r["task"]["overdue"])

    @property
    def due_soon(self) -> int:
        return len(self.rows) - self.overdue


@dataclass
class Board:
    groups: list[DepartmentGroup]
    truncated: bool

    @property
    def total(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def _due_soon_bound():
    """The last instant a task may be due and still count as due within DUE_SOON_DAYS working days."""
    calendar = get_calendar()
    last_day = calendar.add_working_days(to_local(now()).date(), DUE_SOON_DAYS)
    return due_instant(last_day, calendar.cutoff_minutes, calendar.timezone)


def overdue_board(principal: Principal) -> Board:
    """Open tasks in scope that are overdue or due soon, grouped by the case's responsible department."""
    tasks = db.session.scalars(
        select(CaseTask).join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
        .where(CaseTask.state == TaskState.open, CaseTask.due_at.is_not(None), CaseTask.due_at <= _due_soon_bound(),
               subtree_filter(BadReviewCase.org_path, list(principal.scope_roots)))
        .options(*_TASK_OPTIONS).order_by(CaseTask.due_at, CaseTask.id).limit(BOARD_LIMIT + 1)).all()
    truncated = len(tasks) > BOARD_LIMIT
    tasks = tasks[:BOARD_LIMIT]
    orders = _orders(sorted({t.case_id for t in tasks}))
    groups: dict[int, DepartmentGroup] = {}
    for task in tasks:
        row = {"task": task_service.present(task), "case": task.case, "orders": orders.get(task.case_id, [])}
        left = row["task"]["working_days_left"]
        if row["task"]["overdue"] or (left is not None and left <= DUE_SOON_DAYS):
            org = task.case.responsible_org
            groups.setdefault(org.id, DepartmentGroup(org)).rows.append(row)
    ranked = sorted(groups.values(), key=lambda g: (-g.overdue, -len(g.rows), g.org.code))
    return Board(ranked, truncated)


def _orders(case_ids: list[int]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    if case_ids:
        rows = db.session.scalars(
            select(CaseTask).where(CaseTask.case_id.in_(case_ids), CaseTask.bpmn_id == "supervise",
                                   CaseTask.state != TaskState.cancelled)
            .options(selectinload(CaseTask.org_unit), selectinload(CaseTask.completed_by))
            .order_by(CaseTask.opened_at, CaseTask.id))
        for task in rows:
            grouped[task.case_id].append(order(task))
    return grouped
