"""The demo's bad-review cases worked through their lifecycle during the replay, by the demo's own staff.

Each case gets a plan when it opens: the path it takes (drawn from a shuffled deck, so every seed shows
every path in about the same mix) and its category. Each task that opens gets an answer: a member of
the task's unit with the task's role completes it through ``task.commands.complete_task`` a plausible
time later, in office hours, with the form data a real clerk would type. The replay calls ``run_until``
before each of its moments, so answers and timers (reminders, overdue supervision orders) happen in
time order, the timers through ``case.lifecycle.fire_timers`` as the scheduler would fire them.
Answers due after the seed's "now" never happen, and some recent cases stall at a chosen task, so
the demo ends with cases in every open stage.
"""
from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from app.calendar import get_calendar
from app.case import lifecycle
from app.case.models import STATUS_LABELS, BadReviewCase, CaseStatus, CaseTimer
from app.clock import FrozenClock
from app.db import db
from app.demo import catalogue as cat
from app.demo.casework import Casework, Plan
from app.settings import to_local
from app.task import commands
from app.task.models import CaseTask, TaskState
from app.user.models import User, UserRole
from app.user.principal import Principal

SCHEDULER = "scheduler"
SCHEDULER_LAG = timedelta(minutes=1)  # the timer job runs every minute
RECENT_DAYS = 15  # working days: younger cases may stall at an open task
STALL_SHARE = 0.5
# Paths through the lifecycle, 40 cards a deck: most cases take the full path to close-out.
# Extensions are mostly approved, and an appeal rejected is followed by a recheck or by acceptance, in turn.
PATHS = (("full", 23), ("appeal_upheld", 4), ("invalid", 2), ("appeal_rejected", 2), ("extension", 2),
         ("revisit", 2), ("late", 2), ("no_legal_basis", 1), ("close_out_refused", 1), ("invalid_refused", 1))
EXTENSIONS = ("approved", "refused", "approved", "approved")
RECHECKS = ("rejected", None, "upheld", "rejected", None)
CATEGORIES = (("general", 70), ("simple", 20), ("complex", 10))
# The lifecycle's task names in order, for the summary.
STAGES = ("签收响应", "申诉审核", "申诉复核", "核实", "无效差评确认", "分类定性", "会商", "整改落实", "延期审批",
          "督办", "反馈评价人", "回访", "销号")


class Stall(NamedTuple):
    task: str
    idle: frozenset[str]  # tasks nobody works on
    youngest: int  # age of the case in working days
    oldest: int
    path: str
    category: str | None = None


STALLS = (
    Stall("sign_for", frozenset({"sign_for"}), 0, 3, "full"),
    Stall("appeal_review", frozenset({"appeal_review"}), 0, 2, "appeal_upheld"),
    Stall("verify", frozenset({"verify"}), 0, 4, "full"),
    Stall("classify", frozenset({"classify"}), 0, 4, "full"),
    Stall("consult", frozenset({"consult"}), 1, 6, "full", "complex"),
    Stall("supervise", frozenset({"rectify", "supervise"}), 6, 9, "late", "general"),  # order not yet given
    Stall("overdue", frozenset({"rectify"}), 9, 14, "late", "general"),  # order given, still not rectified
    Stall("approve_extension", frozenset({"approve_extension"}), 2, 4, "extension", "general"),
    Stall("feedback", frozenset({"feedback"}), 3, 10, "full"),
    Stall("return_visit", frozenset({"return_visit"}), 4, 12, "full"),
    Stall("close_out", frozenset({"close_out"}), 5, 14, "full"),
)


# -- the driver ----------------------------------------------------------------------------------------


class Driver:
    def __init__(self, rng: random.Random, clock: FrozenClock, end: datetime, scope: str):
        self.rng, self.clock, self.end, self.scope = rng, clock, end, scope
        self.agenda: list[tuple[datetime, int, int, int, str]] = []  # (when, n, case id, task id, intent)
        self.counter = itertools.count()
        self.plans: dict[int, Plan] = {}
        self.answered: set[int] = set()
        self.deck: list[str] = []
        self.stalls: Counter = Counter()  # stalls chosen, by task
        self.taken: Counter = Counter()  # paths taken
        self.users: dict[tuple[int, str], list[User]] = {}
        self.principals: dict[int, Principal] = {}
        self.next_due: datetime | None = None
        self.last_fired = datetime.min.replace(tzinfo=UTC)
        self.work = Casework(rng, clock, self._staff)

    def adopt(self, case: BadReviewCase) -> None:
        """Plans a newly opened case and answers its first task."""
        path, category = self._draw(), cat.pick(self.rng, CATEGORIES)
        idle = frozenset()
        age = get_calendar().get_working_days_delta(to_local(case.received_at).date(), to_local(self.end).date())
        if age < RECENT_DAYS and self.rng.random() < STALL_SHARE and (stall := self._stall(age)):
            path, category, idle = stall.path, stall.category or category, stall.idle
        if path in ("late", "extension") and category == "simple":
            category = "general"
        turn = self.taken[path]
        self.taken[path] += 1
        aspect = (case.evaluation.reasons or ["attitude"])[0]
        plan = Plan(case, len(self.plans), path, category, aspect, self._handler(case), idle=idle,
                    recheck=RECHECKS[turn % len(RECHECKS)], extension=EXTENSIONS[turn % len(EXTENSIONS)])
        self.plans[case.id] = plan
        self._answer(case.id)
        self._refresh_due()

    def run_until(self, moment: datetime) -> None:
        """Works every answer and fires every timer due up to ``moment``, in time order."""
        while True:
            due = max(self.next_due + SCHEDULER_LAG, self.last_fired + SCHEDULER_LAG) if self.next_due else None
            head = self.agenda[0][0] if self.agenda else None
            if due is not None and due <= moment and (head is None or due <= head):
                self.clock.set(max(due, self.clock.now()))
                self._fire()
            elif head is not None and head <= moment:
                when, _, case_id, task_id, intent = heapq.heappop(self.agenda)
                self.clock.set(when)
                self._work(case_id, task_id, intent)
            else:
                return

    def finish(self) -> None:
        """Brings every case to the seed's "now" and fires what is due then."""
        self.run_until(self.end)
        self.clock.set(self.end)
        self._fire()

    # -- plans -------------------------------------------------------------------------------------------

    def _draw(self) -> str:
        if not self.deck:
            self.deck = [path for path, count in PATHS for _ in range(count)]
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    def _stall(self, age: int) -> Stall | None:
        fits = [s for s in STALLS if s.youngest <= age <= s.oldest]
        if not fits:
            return None
        # the least used first, and of those the one with the narrowest age window (the rarest chance)
        stall = min(fits, key=lambda s: (self.stalls[s.task], s.oldest - s.youngest, self.rng.random()))
        self.stalls[stall.task] += 1
        return stall

    def _handler(self, case: BadReviewCase) -> User:
        handlers = self._staff(case.responsible_org_id, "handler")
        staff_id = case.evaluation.service_case.staff_id
        others = [u for u in handlers if u.id != staff_id] or handlers  # not the one complained about
        return self.rng.choice(others)

    def _staff(self, unit_id: int, role: str) -> list[User]:
        if (unit_id, role) not in self.users:
            self.users[unit_id, role] = list(db.session.scalars(
                select(User).join(UserRole).where(User.org_unit_id == unit_id, UserRole.role == role,
                                                  User.active.is_(True)).order_by(User.username)))
        return self.users[unit_id, role]

    def _principal(self, user: User) -> Principal:
        if user.id not in self.principals:
            self.principals[user.id] = Principal.for_user(user)
        return self.principals[user.id]

    # -- answering and working tasks ----------------------------------------------------------------------

    def _answer(self, case_id: int) -> None:
        """Schedules an answer to each task of the case that opened since the last look."""
        plan = self.plans[case_id]
        for task in db.session.scalars(select(CaseTask).where(
                CaseTask.case_id == case_id, CaseTask.state == TaskState.open).order_by(CaseTask.id)):
            if task.id in self.answered:
                continue
            self.answered.add(task.id)
            if task.bpmn_id in plan.idle:
                continue
            when, intent = self.work.answer(task, plan)
            if when <= self.end:  # later answers have not happened yet
                heapq.heappush(self.agenda, (when, next(self.counter), case_id, task.id, intent))

    def _work(self, case_id: int, task_id: int, intent: str) -> None:
        task = db.session.get(CaseTask, task_id)
        if task.state != TaskState.open:  # cancelled meanwhile: the case ended, or it moved on
            return
        plan = self.plans[case_id]
        data = self.work.form(task, plan, intent)
        commands.complete_task(task.id, data, principal=self._principal(self.work.worker(task, plan, intent)))
        plan.done[task.bpmn_id] += 1
        self._answer(case_id)
        self._refresh_due()

    def _fire(self) -> None:
        """The timer job, restricted to the demo's cases: fires what is due at the clock's time."""
        self.last_fired = self.clock.now()
        due = db.session.scalars(select(CaseTimer.case_id).join(BadReviewCase).where(
            CaseTimer.due_at <= self.last_fired, BadReviewCase.org_path.startswith(self.scope))
            .group_by(CaseTimer.case_id).order_by(CaseTimer.case_id)).all()
        for case_id in due:
            lifecycle.fire_timers(case_id, actor=SCHEDULER)
            if case_id in self.plans:
                self._answer(case_id)
        self._refresh_due()
        if self.next_due is not None and self.next_due <= self.last_fired:
            raise RuntimeError(f"a timer due at {self.next_due.isoformat()} did not fire")

    def _refresh_due(self) -> None:
        self.next_due = db.session.scalar(select(func.min(CaseTimer.due_at)).join(BadReviewCase).where(
            BadReviewCase.org_path.startswith(self.scope)))


# -- the summary ---------------------------------------------------------------------------------------------


def state_summary(scope: str) -> str:
    """``状态分布``: cases by status, the open ones by stage (in lifecycle order), and how many are overdue."""
    rows = db.session.execute(select(BadReviewCase.status, BadReviewCase.stage, func.count())
                              .where(BadReviewCase.org_path.startswith(scope))
                              .group_by(BadReviewCase.status, BadReviewCase.stage)).all()
    by_status = Counter()
    stages = Counter()
    for status, stage, count in rows:
        by_status[status] += count
        if status == CaseStatus.open:
            stages[stage or "无待办"] += count
    overdue = db.session.scalar(select(func.count()).where(BadReviewCase.org_path.startswith(scope),
                                                           BadReviewCase.status == CaseStatus.open,
                                                           BadReviewCase.overdue.is_(True)))
    order = {name: n for n, name in enumerate(STAGES)}
    listed = sorted(stages, key=lambda s: [order.get(part, len(order)) for part in s.split("、")])
    return (f"  状态分布 states: {STATUS_LABELS[CaseStatus.closed]} {by_status[CaseStatus.closed]}，"
            f"{STATUS_LABELS[CaseStatus.not_adopted]} {by_status[CaseStatus.not_adopted]}，"
            f"{STATUS_LABELS[CaseStatus.open]} {by_status[CaseStatus.open]}（超期 {overdue}）"
            + ("：" + "，".join(f"{s} {stages[s]}" for s in listed) if listed else ""))
