"""Recomputing provisional deadlines once the missing year's official calendar is loaded.

A deadline that reached into a year without data was computed on weekends plus 1 January and marked
provisional. Each such calculation was kept with its inputs; here it is repeated on the calendar as it
is now, the new instant replaces the old one in the case's live data and armed timers, and every
change lands in the case history.
"""
from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.case import lifecycle, sync
from app.case.models import BadReviewCase, CaseStatus
from app.db import db
from app.workflow.script_env import recalculate


def pending_case_ids() -> list[int]:
    cases = db.session.scalars(select(BadReviewCase).where(BadReviewCase.status == CaseStatus.open))
    return [c.id for c in cases if c.provisional_calculations]


def recompute_case(case_id: int, *, actor: str) -> int:
    """Returns how many deadlines moved."""
    case = lifecycle.lock(case_id)
    workflow = lifecycle.restore(case)
    replacements, still = {}, []
    for calculation in case.provisional_calculations or []:
        with_calendar = dict(calculation)
        value = recalculate(with_calendar)
        if value != calculation["value"]:
            replacements[calculation["value"]] = value
        if sync.calculation_is_provisional(calculation):
            still.append({**calculation, "value": value})
    moved = workflow.replace_values(replacements) if replacements else 0
    for old, new in replacements.items():
        audit.record(actor=actor, action="deadline.recomputed", subject_type="case", subject_id=case.id,
                     payload={"from": old, "to": new, "reason": "载入官方节假日安排后重新计算"})
    workflow.calculations = []
    sync.after_step(case, workflow, [], actor=actor)
    case.provisional_calculations = still
    return moved


def recompute_all(*, actor: str) -> int:
    return sum(recompute_case(case_id, actor=actor) for case_id in pending_case_ids())
