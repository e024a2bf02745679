"""The demo's bad-review cases worked through their lifecycle during the replay, by the demo's own staff.

Each case gets a plan when it opens: the path it takes (drawn from a shuffled deck, so every seed shows
every path in about the same mix) and its category. Each task that opens gets an answer: a member of
the task's unit with the task's role completes it through ``case.lifecycle.complete_task`` a plausible
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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from app.calendar import get_calendar
from app.case import lifecycle
from app.case.models import STATUS_LABELS, BadReviewCase, CaseStatus, CaseTimer
from app.clock import FrozenClock
from app.db import db
from app.demo import catalogue as cat
from app.settings import LOCAL_TZ, to_local
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


@dataclass
class Plan:
    case: BadReviewCase
    path: str
    category: str
    aspect: str
    handler: User  # the department's clerk in charge (承办人)
    recheck: str | None = None  # after a rejected appeal: appeal again (and how it ends) or accept
    extension: str = "approved"
    idle: frozenset[str] = frozenset()
    done: Counter = field(default_factory=Counter)  # completed tasks by BPMN id
    finding: str = ""


# -- office time ---------------------------------------------------------------------------------------


def _office_hours(start: datetime):
    """The office intervals (UTC) from ``start`` on, the first one cut at ``start``."""
    calendar, day = get_calendar(), to_local(start).date()
    while True:
        if calendar.is_working_day(day):
            for opens, length in cat.OPENING_HOURS:
                begin = datetime.combine(day, opens, LOCAL_TZ).astimezone(UTC)
                close = begin + timedelta(minutes=length)
                if close > start:
                    yield max(begin, start), close
        day += timedelta(days=1)


def office_after(start: datetime, minutes: float) -> datetime:
    """The moment ``minutes`` of office time after ``start``."""
    for begin, close in _office_hours(start):
        span = (close - begin).total_seconds() / 60
        if minutes <= span:
            return begin + timedelta(minutes=minutes)
        minutes -= span
    raise AssertionError("unreachable")


def office_between(start: datetime, end: datetime) -> float:
    """Minutes of office time from ``start`` to ``end``."""
    total = 0.0
    for begin, close in _office_hours(start):
        if begin >= end:
            return total
        total += (min(close, end) - begin).total_seconds() / 60


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
        plan = Plan(case, path, category, (case.evaluation.reasons or ["attitude"])[0], self._handler(case),
                    idle=idle, recheck=RECHECKS[turn % len(RECHECKS)], extension=EXTENSIONS[turn % len(EXTENSIONS)])
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
            when, intent = getattr(self, f"_when_{task.bpmn_id}")(task, plan)
            if when <= self.end:  # later answers have not happened yet
                heapq.heappush(self.agenda, (when, next(self.counter), case_id, task.id, intent))

    def _work(self, case_id: int, task_id: int, intent: str) -> None:
        task = db.session.get(CaseTask, task_id)
        if task.state != TaskState.open:  # cancelled meanwhile: the case ended, or it moved on
            return
        plan = self.plans[case_id]
        data = getattr(self, f"_data_{task.bpmn_id}")(task, plan, intent)
        lifecycle.complete_task(task.id, data, principal=self._principal(self._worker(task, plan, intent)))
        plan.done[task.bpmn_id] += 1
        self._answer(case_id)
        self._refresh_due()

    def _worker(self, task: CaseTask, plan: Plan, intent: str) -> User:
        if task.lane == "department" and task.org_unit_id == plan.handler.org_unit_id and intent != "appeal":
            return plan.handler
        if task.lane == "department":
            role = "dept_lead" if intent == "appeal" else "handler"
        elif "supervisor" not in task.roles or (task.bpmn_id == "close_out" and plan.case.id % 3 == 0):
            role = "supervisor_lead"
        else:
            role = "supervisor"
        users = self._staff(task.org_unit_id, role)
        return users[plan.case.id % len(users)]  # the same person follows the case

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

    # -- when each task is worked, and how -----------------------------------------------------------------

    def _later(self, low: float, high: float) -> datetime:
        """Some office minutes from now, early answers more likely than late ones."""
        return office_after(self.clock.now(), low + (high - low) * self.rng.random() ** 2)

    def _when_sign_for(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        first, appealing = plan.done["sign_for"] == 0, plan.path.startswith("appeal")
        if appealing and (first or (plan.done["sign_for"] == 1 and plan.recheck)):
            return self._later(20, 400), "appeal"  # within the appeal window of one working day
        return (self._later(5, 40) if plan.category == "simple" else self._later(10, 700)), "accept"

    def _when_appeal_review(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(60, 800), "upheld" if plan.path == "appeal_upheld" else "rejected"

    def _when_appeal_recheck(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(60, 800), plan.recheck

    def _when_verify(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        finding = {"no_legal_basis": "no_legal_basis"}.get(plan.path, "valid")
        if plan.path.startswith("invalid"):
            finding = "mistaken" if self.rng.random() < 0.7 else "malicious"
        return (self._later(5, 40) if plan.category == "simple" else self._later(30, 500)), finding

    def _when_confirm_invalid(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(60, 800), "refused" if plan.path == "invalid_refused" else "confirmed"

    def _when_classify(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        if plan.category != "simple":
            return self._later(10, 300), plan.category
        when = self._later(5, 30)
        same_day = get_calendar().deadline(plan.case.received_at, 0).due_at
        return when, "simple" if office_between(when, same_day) >= 90 else "general"  # 当日办结 still possible?

    def _when_consult(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(120, 1200), "consult"

    def _when_rectify(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        now, first = self.clock.now(), plan.done["rectify"] == 0
        room = office_between(now, task.due_at)
        if plan.path == "extension" and first and room > 700:  # asks early enough for the approval
            return office_after(now, self.rng.uniform(60, min(room - 550, 900))), "extend"
        if (plan.path == "late" and first) or room < 60:  # rectified after the supervision order
            return office_after(max(now, task.due_at), self.rng.uniform(60, 1200)), "done"
        return office_after(now, self.rng.uniform(room * 0.1, room * 0.9)), "done"

    def _when_approve_extension(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(30, 300), plan.extension

    def _when_supervise(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(20, 400), "order"

    def _when_feedback(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        return self._later(60, 1300), "feedback"

    def _when_return_visit(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        if plan.path == "revisit" and plan.done["return_visit"] == 0:
            return self._later(200, 1800), "unsatisfied"
        mood = cat.pick(self.rng, (("satisfied", 75), ("basically_satisfied", 20), ("unreached", 5)))
        return self._later(200, 1800), mood

    def _when_close_out(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        refuse = plan.path == "close_out_refused" and plan.done["close_out"] == 0
        return self._later(60, 1200), "refused" if refuse else "approved"

    # -- the form data -------------------------------------------------------------------------------------

    def _data_sign_for(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "accept":
            return {"action": "accept", "note": self.rng.choice(cat.SIGN_NOTES)}
        reason, evidence = self.rng.choice(cat.APPEALS)
        if plan.done["sign_for"]:
            reason = "补充证据申请复核：" + reason
        return {"action": "appeal", "appeal_reason": reason, "evidence": evidence}

    def _data_appeal_review(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        reasons = cat.REVIEW_UPHELD if intent == "upheld" else cat.REVIEW_REJECTED
        return {"decision": intent, "reason": self.rng.choice(reasons)}

    _data_appeal_recheck = _data_appeal_review

    def _data_verify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        plan.finding = self.rng.choice(cat.VERIFY_NOTES[intent])
        contacted = to_local(self.clock.now() - timedelta(minutes=self.rng.randint(1, 4)))
        method = cat.pick(self.rng, (("phone", 80), ("visit", 10), ("sms", 10)))
        return {"finding": intent, "contact_method": method, "contacted_at": contacted.isoformat(timespec="seconds"),
                "note": plan.finding}

    def _data_confirm_invalid(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        return {"decision": intent, "reason": self.rng.choice(cat.CONFIRM_REASONS[intent])}

    def _data_classify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        data = {"category": intent, "nature": cat.NATURE[plan.aspect], "aspect": plan.aspect}
        if intent == "complex":
            county, own = plan.case.responsible_org.code.split("-", 1)
            keys = [d.key for d in cat.DEPARTMENTS if d.key != own]
            data["co_departments"] = [f"{county}-{k}" for k in self.rng.sample(keys, self.rng.choice((1, 1, 2)))]
        return data

    def _data_consult(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        opinion, commitment = self.rng.choice(cat.CONSULTS)
        return {"opinion": opinion, "commitment": commitment} if commitment else {"opinion": opinion}

    def _fix(self, plan: Plan) -> tuple[str, str]:
        """The measures and result of the rectification (a second round, after a return visit, differs)."""
        if plan.path == "no_legal_basis":
            return "向评价人解释相关政策规定和办理条件，告知其他救济渠道", "评价人已了解政策规定"
        second = plan.path == "revisit" and plan.done["return_visit"] > 0
        options = cat.RECTIFICATIONS[plan.aspect]
        return options[(plan.case.id + second) % len(options)]

    def _data_rectify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        measures, result = self._fix(plan)
        if intent == "done":
            result += "，已按督办意见落实" if plan.case.overdue else ""
            return {"measures": measures, "result": result, "action": "done"}
        last_day = to_local(task.due_at - timedelta(minutes=1)).date()
        new_day = get_calendar().add_working_days(last_day, self.rng.randint(5, 10))
        return {"measures": measures, "action": "request_extension", "new_deadline": new_day.isoformat(),
                "extension_reason": self.rng.choice(cat.EXTENSION_REASONS), "evaluator_informed": True}

    def _data_approve_extension(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "approved":
            return {"decision": "approved", "reason": "延期理由充分，已告知评价人，同意延期"}
        return {"decision": "refused", "reason": self.rng.choice(cat.EXTENSION_REFUSALS)}

    def _data_supervise(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        day = get_calendar().add_working_days(to_local(self.clock.now()).date(), 2)
        return {"instruction": self.rng.choice(cat.SUPERVISE_ORDERS).format(date=f"{day.month}月{day.day}日")}

    def _data_feedback(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        measures, result = self._fix(plan)
        lead = self._staff(plan.case.responsible_org_id, "dept_lead")
        return {"feedback_text": self.rng.choice(cat.FEEDBACK_TEXTS),
                "feedback_channel": cat.pick(self.rng, cat.FEEDBACK_CHANNELS),
                "report": {"findings": plan.finding or "评价人反映问题属实", "measures": measures, "result": result,
                           "responsible_person": (lead or [plan.handler])[0].display_name}}

    def _data_return_visit(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        note = self.rng.choice(cat.RETURN_VISIT_NOTES[intent])
        if intent == "unreached":
            return {"reached": False, "note": note}
        return {"reached": True, "satisfaction": intent, "note": note}

    def _data_close_out(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "refused":
            return {"approved": False, "note": self.rng.choice(cat.CLOSE_OUT_REFUSALS)}
        note = self.rng.choice(cat.CLOSE_OUT_NOTES)
        return {"approved": True, "note": note} if note else {"approved": True}


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
