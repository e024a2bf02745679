"""What a draft's rule parameters would have changed on real cases, before it is deployed.

The replay: the real cases received in the last N months, each task's deadline reckoned again
with the draft's value (from receipt, or from when the task opened, as the model does), and whether the
task, done when it was done, would have been on time or overdue; counted per department, with the list.
A task whose recorded deadline does not follow the deployed parameters (an approved extension, an older
version) is left as it was. The replay runs in the background (``app.case.impact_jobs``) and only reads cases.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.errors import ValidationError
from app.process_model.models import ImpactPreview, ProcessModel
from app.task.models import CaseTask, TaskState
from app.workflow.script_env import deadline

# Which parameter sets a task's deadline, and whether it counts from receipt or from the task's opening.
TASK_PARAMETERS = {
    "sign_for": ("sign_for_days", "receipt"), "appeal_review": ("review_days", "opened"),
    "appeal_recheck": ("review_days", "opened"), "verify": ("verify_days", "opened"),
    "classify": ("classify_days", "opened"), "rectify": (None, "receipt"), "consult": ("consult_days", "opened"),
    "feedback": ("feedback_days", "opened"), "return_visit": ("return_visit_days", "opened"),
    "close_out": ("close_out_days", "opened"), "approve_extension": ("step_days", "opened"),
    "supervise": ("step_days", "opened"),
}
BATCH = 50
MAX_MONTHS = 24


def _parameter_of(task: CaseTask, case: BadReviewCase) -> tuple[str | None, str]:
    key, origin = TASK_PARAMETERS.get(task.bpmn_id, (None, "opened"))
    if task.bpmn_id == "rectify" and case.category:
        key = f"limit_{case.category}_days"
    return key, origin


def replay_case(case: BadReviewCase, tasks: list[CaseTask], current: dict[str, Any], draft: dict[str, Any],
                at: datetime) -> list[dict[str, Any]]:
    """The case's tasks whose deadline the draft moves: old and new deadline, on time before and after."""
    rows = []
    for task in tasks:
        key, origin = _parameter_of(task, case)
        if key is None or task.due_at is None or task.state == TaskState.cancelled \
                or current.get(key) == draft.get(key) or not isinstance(draft.get(key), int):
            continue
        start = (case.received_at if origin == "receipt" else task.opened_at).isoformat()
        if datetime.fromisoformat(deadline(start, current[key])) != task.due_at:
            continue  # set otherwise (an extension, an older version): the draft would not move it
        new_due = datetime.fromisoformat(deadline(start, draft[key]))
        finished = task.closed_at or at
        rows.append({"case_id": case.id, "case_no": case.case_no, "department": case.responsible_org.name,
                     "task": task.name, "before": task.due_at.isoformat(), "after": new_due.isoformat(),
                     "finished": task.closed_at.isoformat() if task.closed_at else None,
                     "late_before": finished > task.due_at, "late_after": finished > new_due})
    return rows


def summarize(rows: list[dict[str, Any]], cases: int) -> dict[str, Any]:
    departments: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = departments.setdefault(row["department"], {"moved": 0, "late_before": 0, "late_after": 0,
                                                             "newly_late": 0, "newly_on_time": 0})
        counts["moved"] += 1
        counts["late_before"] += row["late_before"]
        counts["late_after"] += row["late_after"]
        counts["newly_late"] += row["late_after"] and not row["late_before"]
        counts["newly_on_time"] += row["late_before"] and not row["late_after"]
    affected = {row["case_id"] for row in rows}
    status_changed = {row["case_id"] for row in rows if row["late_before"] != row["late_after"]}
    return {"cases": cases, "cases_affected": len(affected), "deadlines_moved": len(rows),
            "cases_status_changed": len(status_changed),
            "late_before": sum(r["late_before"] for r in rows), "late_after": sum(r["late_after"] for r in rows),
            "departments": dict(sorted(departments.items())), "rows": rows}


def start(model: ProcessModel, against: ProcessModel | None, months: int, actor: str) -> ImpactPreview:
    """A queued preview row; the caller commits, then calls ``run_in_background``."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"月数须在 1–{MAX_MONTHS} 之间", field="months")
    preview = ImpactPreview(model_id=model.id, against_model_id=against.id if against else None, months=months,
                            status="queued", done=0, total=0, created_at=now(), created_by=actor)
    db.session.add(preview)
    db.session.flush()
    return preview


def months_before(moment: datetime, months: int) -> datetime:
    month = moment.month - months
    year = moment.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def latest(model: ProcessModel) -> ImpactPreview | None:
    return db.session.scalar(select(ImpactPreview).where(ImpactPreview.model_id == model.id)
                             .order_by(ImpactPreview.id.desc()).limit(1))
