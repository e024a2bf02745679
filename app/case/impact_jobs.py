"""Background runs of the model pages: the impact preview's replay of recent cases, in a thread with its own
app context and session, committing its progress every batch so the page's progress bar can follow it."""
from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.case.impact import BATCH, months_before, replay_case, summarize
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.process_model import parameters
from app.process_model.models import ImpactPreview, ProcessModel
from app.task.models import CaseTask

log = logging.getLogger(__name__)


def run_in_background(preview_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_with_app, args=(app, preview_id), name=f"impact-preview-{preview_id}",
                              daemon=True)
    thread.start()
    return thread


def _run_with_app(app: Flask, preview_id: int) -> None:
    with app.app_context():
        try:
            run(preview_id)
        except Exception as err:  # noqa: BLE001 - recorded on the row for the page; the thread must not die silently
            log.exception("impact preview %s failed", preview_id)
            db.session.rollback()
            preview = db.session.get(ImpactPreview, preview_id)
            if preview is not None:
                preview.status, preview.error, preview.finished_at = "failed", str(err)[:2000], now()
                db.session.commit()
        finally:
            db.session.remove()


def run(preview_id: int, *, commit: bool = True) -> ImpactPreview:
    """Replays the cases, committing progress every batch (the run owns its session)."""
    preview = db.session.get(ImpactPreview, preview_id)
    draft = parameters.read(db.session.get(ProcessModel, preview.model_id).bpmn_xml, "bad_review")
    against = db.session.get(ProcessModel, preview.against_model_id) if preview.against_model_id else None
    current = parameters.read(against.bpmn_xml, "bad_review") if against else {}
    at = now()
    since = months_before(at, preview.months)
    ids = list(db.session.scalars(select(BadReviewCase.id).where(BadReviewCase.received_at >= since)
                                  .order_by(BadReviewCase.id)))
    preview.status, preview.total = "running", len(ids)
    _save(commit)
    rows: list[dict[str, Any]] = []
    for offset in range(0, len(ids), BATCH):
        batch = ids[offset:offset + BATCH]
        tasks: dict[int, list[CaseTask]] = {}
        for task in db.session.scalars(select(CaseTask).where(CaseTask.case_id.in_(batch)).order_by(CaseTask.id)):
            tasks.setdefault(task.case_id, []).append(task)
        cases = db.session.scalars(select(BadReviewCase).where(BadReviewCase.id.in_(batch))
                                   .options(selectinload(BadReviewCase.responsible_org)))
        for case in cases:
            rows.extend(replay_case(case, tasks.get(case.id, []), current, draft, at))
        preview.done = min(offset + BATCH, len(ids))
        _save(commit)
    preview.result = summarize(rows, len(ids))
    preview.status, preview.finished_at = "done", now()
    _save(commit)
    return preview


def _save(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()


