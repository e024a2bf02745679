"""How the demo's staff work the tasks of a bad-review case: who, when (in office time), which decision,
and the form data they type. ``app.demo.lifecycle`` decides which case takes which path and runs the clock.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.clock import FrozenClock
from app.demo import catalogue as cat
from app.settings import LOCAL_TZ, to_local
from app.task.models import CaseTask
from app.user.models import User

# Office minutes from a task's opening to its answer (early answers are more likely): within each limit
# of the model mostly, a sign-off or a verification now and then a little late.
WAITS = {"sign_for": (10, 700), "appeal_review": (60, 800), "appeal_recheck": (60, 800), "verify": (30, 500),
         "confirm_invalid": (60, 800), "classify": (10, 300), "consult": (120, 1200), "approve_extension": (30, 300),
         "supervise": (20, 400), "feedback": (60, 1300), "return_visit": (200, 1800), "close_out": (60, 1200)}
SAME_DAY = (5, 40)  # a simple case is signed for, verified and classified within the hour
APPEAL = (20, 400)  # within the appeal window of one working day
MOODS = (("satisfied", 75), ("basically_satisfied", 20), ("unreached", 5))


@dataclass
class Plan:
    """The path one case takes, chosen when it opens, and what happened so far."""

    case: BadReviewCase
    number: int  # the order the case opened in (database ids are not reproducible after a rollback)
    path: str
    category: str
    aspect: str
    handler: User  # the department's clerk in charge (承办人)
    recheck: str | None = None  # after a rejected appeal: appeal again (and how that ends), or accept
    extension: str = "approved"
    idle: frozenset[str] = frozenset()  # tasks nobody works on (a stalled recent case)
    done: Counter = field(default_factory=Counter)  # completed tasks by BPMN id
    finding: str = ""

    @property
    def appeals(self) -> bool:
        """Appeals at this sign-off: the first one, or the second after a rejection when a recheck is planned."""
        signed = self.done["sign_for"]
        return self.path.startswith("appeal") and (signed == 0 or (signed == 1 and self.recheck is not None))


def _finding(plan: Plan, rng: random.Random) -> str:
    if plan.path.startswith("invalid"):
        return "mistaken" if rng.random() < 0.7 else "malicious"
    return "no_legal_basis" if plan.path == "no_legal_basis" else "valid"


# The decision taken at each task (consult, supervise, feedback and rectify have none here).
DECISIONS: dict[str, Callable[[Plan, random.Random], str]] = {
    "sign_for": lambda plan, rng: "appeal" if plan.appeals else "accept",
    "appeal_review": lambda plan, rng: "upheld" if plan.path == "appeal_upheld" else "rejected",
    "appeal_recheck": lambda plan, rng: plan.recheck,
    "verify": _finding,
    "confirm_invalid": lambda plan, rng: "refused" if plan.path == "invalid_refused" else "confirmed",
    "classify": lambda plan, rng: plan.category,
    "approve_extension": lambda plan, rng: plan.extension,
    "return_visit": lambda plan, rng: ("unsatisfied" if plan.path == "revisit" and not plan.done["return_visit"]
                                       else cat.pick(rng, MOODS)),
    "close_out": lambda plan, rng: ("refused" if plan.path == "close_out_refused" and not plan.done["close_out"]
                                    else "approved"),
}


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


# -- the staff -----------------------------------------------------------------------------------------


class Casework:
    def __init__(self, rng: random.Random, clock: FrozenClock, staff: Callable[[int, str], list[User]]):
        self.rng, self.clock, self.staff = rng, clock, staff

    def worker(self, task: CaseTask, plan: Plan, intent: str) -> User:
        """A member of the task's unit with the task's role; the same people follow a case."""
        if task.lane == "department" and task.org_unit_id == plan.handler.org_unit_id and intent != "appeal":
            return plan.handler
        if task.lane == "department":  # an appeal is the head's decision; consultations, the co-department's
            role = "dept_lead" if intent == "appeal" else "handler"
        elif "supervisor" not in task.roles or (task.bpmn_id == "close_out" and plan.number % 3 == 0):
            role = "supervisor_lead"
        else:
            role = "supervisor"
        users = self.staff(task.org_unit_id, role)
        return users[plan.number % len(users)]

    def answer(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        """When the task will be worked, and the decision taken then."""
        if task.bpmn_id == "rectify":
            return self._when_rectify(task, plan)
        intent = DECISIONS[task.bpmn_id](plan, self.rng) if task.bpmn_id in DECISIONS else task.bpmn_id
        low, high = WAITS[task.bpmn_id]
        if plan.category == "simple" and task.bpmn_id in ("sign_for", "verify", "classify"):
            low, high = SAME_DAY
        when = office_after(self.clock.now(), _skewed(self.rng, *(APPEAL if intent == "appeal" else (low, high))))
        if intent == "simple" and office_between(when, _same_day(plan)) < 90:  # too late to rectify it today
            intent = "general"
        return when, intent

    def _when_rectify(self, task: CaseTask, plan: Plan) -> tuple[datetime, str]:
        now, first = self.clock.now(), not plan.done["rectify"]
        room = office_between(now, task.due_at)
        if plan.path == "extension" and first and room > 700:  # asks early enough for the approval
            hurry = "approve_extension" in plan.idle  # a stalled case: the request is still waiting
            return office_after(now, self.rng.uniform(60, 240 if hurry else min(room - 550, 900))), "extend"
        if (plan.path == "late" and first) or room < 60:  # rectified after the supervision order
            return office_after(max(now, task.due_at), self.rng.uniform(60, 1200)), "done"
        return office_after(now, self.rng.uniform(room * 0.1, room * 0.9)), "done"

    # -- the form data -------------------------------------------------------------------------------------

    def form(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        return getattr(self, f"_{task.bpmn_id}")(task, plan, intent)

    def _sign_for(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "accept":
            return {"action": "accept", "note": self.rng.choice(cat.SIGN_NOTES)}
        reason, evidence = self.rng.choice(cat.APPEALS)
        if plan.done["sign_for"]:
            reason = "补充证据申请复核：" + reason
        return {"action": "appeal", "appeal_reason": reason, "evidence": evidence}

    def _appeal_review(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        reasons = cat.REVIEW_UPHELD if intent == "upheld" else cat.REVIEW_REJECTED
        return {"decision": intent, "reason": self.rng.choice(reasons)}

    _appeal_recheck = _appeal_review

    def _verify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        plan.finding = self.rng.choice(cat.VERIFY_NOTES[intent])
        contacted = to_local(self.clock.now() - timedelta(minutes=self.rng.randint(1, 4)))
        method = cat.pick(self.rng, (("phone", 80), ("visit", 10), ("sms", 10)))
        return {"finding": intent, "contact_method": method, "contacted_at": contacted.isoformat(timespec="seconds"),
                "note": plan.finding}

    def _confirm_invalid(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        return {"decision": intent, "reason": self.rng.choice(cat.CONFIRM_REASONS[intent])}

    def _classify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        data = {"category": intent, "nature": cat.NATURE[plan.aspect], "aspect": plan.aspect}
        if intent == "complex":  # consult other departments of the same county
            county, own = plan.case.responsible_org.code.split("-", 1)
            keys = [d.key for d in cat.DEPARTMENTS if d.key != own]
            data["co_departments"] = [f"{county}-{k}" for k in self.rng.sample(keys, self.rng.choice((1, 1, 2)))]
        return data

    def _consult(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        opinion, commitment = self.rng.choice(cat.CONSULTS)
        return {"opinion": opinion, "commitment": commitment} if commitment else {"opinion": opinion}

    def _fix(self, plan: Plan) -> tuple[str, str]:
        """The measures and result of the rectification (a second round, after a return visit, differs)."""
        if plan.path == "no_legal_basis":
            return "向评价人解释相关政策规定和办理条件，告知其他救济渠道", "评价人已了解政策规定"
        second = plan.path == "revisit" and plan.done["return_visit"] > 0
        options = cat.RECTIFICATIONS[plan.aspect]
        return options[(plan.number + second) % len(options)]

    def _rectify(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        measures, result = self._fix(plan)
        if intent == "done":
            result += "，已按督办意见落实" if plan.case.overdue else ""
            return {"measures": measures, "result": result, "action": "done"}
        last_day = to_local(task.due_at - timedelta(minutes=1)).date()
        new_day = get_calendar().add_working_days(last_day, self.rng.randint(5, 10))
        return {"measures": measures, "action": "request_extension", "new_deadline": new_day.isoformat(),
                "extension_reason": self.rng.choice(cat.EXTENSION_REASONS), "evaluator_informed": True}

    def _approve_extension(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "approved":
            return {"decision": "approved", "reason": "延期理由充分，已告知评价人，同意延期"}
        return {"decision": "refused", "reason": self.rng.choice(cat.EXTENSION_REFUSALS)}

    def _supervise(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        day = get_calendar().add_working_days(to_local(self.clock.now()).date(), 2)
        return {"instruction": self.rng.choice(cat.SUPERVISE_ORDERS).format(date=f"{day.month}月{day.day}日")}

    def _feedback(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        measures, result = self._fix(plan)
        lead = self.staff(plan.case.responsible_org_id, "dept_lead") or [plan.handler]
        return {"feedback_text": self.rng.choice(cat.FEEDBACK_TEXTS),
                "feedback_channel": cat.pick(self.rng, cat.FEEDBACK_CHANNELS),
                "report": {"findings": plan.finding or "评价人反映问题属实", "measures": measures, "result": result,
                           "responsible_person": lead[0].display_name}}

    def _return_visit(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        note = self.rng.choice(cat.RETURN_VISIT_NOTES[intent])
        if intent == "unreached":
            return {"reached": False, "note": note}
        return {"reached": True, "satisfaction": intent, "note": note}

    def _close_out(self, task: CaseTask, plan: Plan, intent: str) -> dict:
        if intent == "refused":
            return {"approved": False, "note": self.rng.choice(cat.CLOSE_OUT_REFUSALS)}
        note = self.rng.choice(cat.CLOSE_OUT_NOTES)
        return {"approved": True, "note": note} if note else {"approved": True}


def _same_day(plan: Plan) -> datetime:
    return get_calendar().deadline(plan.case.received_at, 0).due_at


def _skewed(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random() ** 2
