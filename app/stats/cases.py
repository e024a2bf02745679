"""The bad-review-case side: what each case's completed tasks say about reply, rectification and return visit.

Bad reviews are a small share of the evaluations, so their rows are read and folded here rather than
pre-aggregated; ``CaseTask`` keeps every human task after it closes, with what was submitted.

按期整改 is judged per rectification round (DOMAIN.md, "Counting rules"): each 整改落实 task carries the deadline
in force for its round (the original or an approved extension for the first, the redo deadline after an
unsatisfied return visit), and a case is on time only when every round was done by its own deadline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from app.calendar import get_calendar
from app.case.models import BadReviewCase, CaseStatus
from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.settings import to_local
from app.stats.filters import StatsFilter, raw_conditions
from app.stats.indicators import SATISFIED_VISITS, CaseFigures
from app.task.models import CaseTask, TaskState

TASKS = ("classify", "rectify", "feedback", "return_visit")


@dataclass(frozen=True)
class Round:
    """One rectification round: its deadline in force and when it was done (None while it is open)."""

    due: datetime | None
    done_at: datetime | None


@dataclass
class CaseRow:
    id: int
    case_no: str
    status: str
    overdue: bool
    received_at: datetime
    closed_at: datetime | None
    deadlines: dict[str, Any]
    category: str | None
    level: int
    real_name: bool
    adopted: bool
    reasons: list[str]
    item_id: int
    org_unit_id: int
    window_id: int | None
    staff_id: int | None
    finished_at: datetime
    aspect: str | None = None
    rectified_at: datetime | None = None  # first completion of 整改落实 with "整改完成"
    rectification: dict[str, Any] = field(default_factory=dict)  # measures and result of the last one
    replied_at: datetime | None = None
    visit: dict[str, Any] | None = None  # the last return visit
    rounds: list[Round] = field(default_factory=list)  # rectification rounds, in order

    @property
    def counted(self) -> bool:
        return self.adopted and self.status != CaseStatus.not_adopted

    @property
    def rectify_deadline(self) -> datetime | None:
        value = (self.deadlines or {}).get("rectify_deadline")
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    def rectified_on_time(self, as_of: datetime) -> bool | None:
        """True when every round due so far was done by its own deadline, False when one was late or is
        overdue as of ``as_of``, None while no round is due yet (not yet counted)."""
        fallback = self.rectify_deadline  # rounds recorded without a deadline of their own
        if not self.rounds:
            return False if fallback is not None and fallback <= as_of else None
        counted, late = False, False
        for entry in self.rounds:
            due = entry.due or fallback
            if entry.done_at is not None:
                counted, late = True, late or (due is not None and entry.done_at > due)
            elif due is not None and due <= as_of:
                counted, late = True, True
        return not late if counted else None


def _conditions(flt: StatsFilter) -> list:
    conditions = raw_conditions(flt)
    if flt.channels:
        conditions.append(Evaluation.channel.in_(flt.channels))
    return conditions


def load(flt: StatsFilter) -> list[CaseRow]:
    """Every bad-review case of the filter's service cases, with what its tasks recorded."""
    query = (select(BadReviewCase.id, BadReviewCase.case_no, BadReviewCase.status, BadReviewCase.overdue,
                    BadReviewCase.received_at, BadReviewCase.closed_at, BadReviewCase.deadlines,
                    BadReviewCase.category, Evaluation.level, Evaluation.real_name, Evaluation.adopted,
                    Evaluation.reasons, ServiceCase.item_id, ServiceCase.org_unit_id, ServiceCase.window_id,
                    ServiceCase.staff_id, ServiceCase.finished_at)
             .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .where(*_conditions(flt)).order_by(BadReviewCase.received_at, BadReviewCase.id))
    rows = {r.id: CaseRow(*r[:6], r.deadlines or {}, r.category, r.level, r.real_name, r.adopted,
                          list(r.reasons or []), *r[12:]) for r in db.session.execute(query)}
    tasks = (select(CaseTask.case_id, CaseTask.bpmn_id, CaseTask.closed_at, CaseTask.submitted)
             .join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
             .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .where(*_conditions(flt), CaseTask.state == TaskState.completed, CaseTask.bpmn_id.in_(TASKS))
             .order_by(CaseTask.closed_at, CaseTask.id))
    for case_id, bpmn_id, closed_at, submitted in db.session.execute(tasks):
        _apply_task(rows[case_id], bpmn_id, closed_at, submitted or {})
    for case_id, entries in rounds(_conditions(flt)).items():
        rows[case_id].rounds = entries
    return list(rows.values())


def rounds(conditions: list) -> dict[int, list[Round]]:
    """The rectification rounds of the selected cases: every 整改落实 done with 整改完成, and the open one.
    A task that asked for an extension is not a round: the round goes on under the decided deadline."""
    done = CaseTask.submitted["action"].as_string() == "done"
    query = (select(CaseTask.case_id, CaseTask.due_at, CaseTask.closed_at, CaseTask.state)
             .join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
             .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .where(*conditions, CaseTask.bpmn_id == "rectify",
                    or_(CaseTask.state == TaskState.open, and_(CaseTask.state == TaskState.completed, done)))
             .order_by(CaseTask.case_id, CaseTask.opened_at, CaseTask.id))
    result: dict[int, list[Round]] = {}
    for case_id, due, closed_at, state in db.session.execute(query):
        result.setdefault(case_id, []).append(Round(due, closed_at if state == TaskState.completed else None))
    return result


def _apply_task(row: CaseRow, bpmn_id: str, closed_at: datetime, submitted: dict) -> None:
    if bpmn_id == "classify":
        row.aspect = submitted.get("aspect") or row.aspect
    elif bpmn_id == "rectify" and submitted.get("action") == "done":
        row.rectified_at = row.rectified_at or closed_at
        row.rectification = {"measures": submitted.get("measures"), "result": submitted.get("result"),
                             "at": closed_at}
    elif bpmn_id == "feedback":
        row.replied_at = row.replied_at or closed_at
    elif bpmn_id == "return_visit":
        row.visit = {**submitted, "at": closed_at}


def figures(rows: list[CaseRow], *, as_of: datetime) -> CaseFigures:
    """Folds the case rows into the counts behind the case indicators (see ``indicators.DEFINITIONS``)."""
    result = CaseFigures()
    calendar = get_calendar()
    spans: dict[tuple, int] = {}  # many cases share their receipt and closing days
    for row in rows:
        if not row.counted:
            result.not_adopted_cases += row.status == CaseStatus.not_adopted
            continue
        result.cases += 1
        result.replied += row.replied_at is not None
        result.overdue += bool(row.overdue)
        on_time = row.rectified_on_time(as_of)
        if on_time is not None:
            result.rectify_due += 1
            result.rectified_on_time += on_time
        if row.real_name:
            result.real_name += 1
            reached = bool(row.visit and row.visit.get("reached"))
            result.visited += reached
            result.visit_satisfied += reached and row.visit.get("satisfaction") in SATISFIED_VISITS
        if row.status == CaseStatus.closed and row.closed_at is not None:
            result.closed += 1
            span = (to_local(row.received_at).date(), to_local(row.closed_at).date())
            if span not in spans:
                spans[span] = calendar.get_working_days_delta(*span)
            result.working_days_to_close += spans[span]
    return result


def _first(bpmn_id: str, condition=None):
    """Earliest closing time among the case's completed ``bpmn_id`` tasks (of the joined task rows)."""
    match = CaseTask.bpmn_id == bpmn_id if condition is None else and_(CaseTask.bpmn_id == bpmn_id, condition)
    return func.min(case((match, CaseTask.closed_at)))


def quick_rows(conditions: list, *, keyed: bool = False) -> list[tuple[tuple | None, CaseRow]]:
    """What the fold needs per case, without loading every task: one grouped query for the dates and one narrow
    query for the return visits. With ``keyed``, each row comes with its (unit, window, channel) key."""
    done = CaseTask.submitted["action"].as_string() == "done"
    tasks = and_(CaseTask.case_id == BadReviewCase.id, CaseTask.state == TaskState.completed,
                 CaseTask.bpmn_id.in_(("rectify", "feedback")))
    keys = (ServiceCase.org_unit_id, ServiceCase.window_id, Evaluation.channel) if keyed else ()
    grouped = (BadReviewCase.id, BadReviewCase.status, BadReviewCase.overdue, BadReviewCase.received_at,
               BadReviewCase.closed_at, BadReviewCase.deadlines["rectify_deadline"].as_string(),
               Evaluation.real_name, Evaluation.adopted, *keys)
    query = (select(*grouped, _first("rectify", done), _first("feedback"))
             .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .outerjoin(CaseTask, tasks).where(*conditions).group_by(*grouped))
    visits = (select(CaseTask.case_id, CaseTask.submitted["reached"].as_boolean(),
                     CaseTask.submitted["satisfaction"].as_string())
              .join(BadReviewCase, BadReviewCase.id == CaseTask.case_id)
              .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
              .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
              .where(*conditions, CaseTask.state == TaskState.completed, CaseTask.bpmn_id == "return_visit")
              .order_by(CaseTask.closed_at, CaseTask.id))
    last_visit = {case_id: {"reached": reached, "satisfaction": answer}
                  for case_id, reached, answer in db.session.execute(visits)}
    case_rounds = rounds(conditions)
    result = []
    for values in db.session.execute(query):
        case_id, status, overdue, received, closed, deadline, real_name, adopted = values[:8]
        row = CaseRow(case_id, "", status, overdue, received, closed,
                      {"rectify_deadline": deadline} if deadline else {}, None, 0, real_name, adopted, [], 0, 0,
                      None, None, received)
        row.rectified_at, row.replied_at = _aware(values[-2]), _aware(values[-1])
        row.visit = last_visit.get(case_id)
        row.rounds = case_rounds.get(case_id, [])
        key = (values[8], values[9], str(values[10])) if keyed else None
        result.append((key, row))
    return result


def quick_figures(flt: StatsFilter, *, as_of: datetime) -> CaseFigures:
    """``figures(load(flt))`` from ``quick_rows``: the raw reading of the case side."""
    return figures([row for _, row in quick_rows(_conditions(flt))], as_of=as_of)


def figures_by_key(conditions: list, *, as_of: datetime) -> dict[tuple, CaseFigures]:
    """Case figures per (unit, window, channel), for the daily counts."""
    groups: dict[tuple, list[CaseRow]] = {}
    for key, row in quick_rows(conditions, keyed=True):
        groups.setdefault(key, []).append(row)
    return {key: figures(rows, as_of=as_of) for key, rows in groups.items()}


def _aware(moment):
    """Scalar subqueries bypass the column type: SQLite gives naive UTC strings or datetimes back."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
