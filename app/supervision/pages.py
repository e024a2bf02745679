"""审核队列 and 督办看板: the supervision office's pages. Decisions are taken on the task page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from app.errors import PermissionDeniedError
from app.supervision import queries
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.paging import page_number, pager

bp = Blueprint("supervision_pages", __name__, url_prefix="/supervision")

SUPERVISORS = (Role.supervisor, Role.supervisor_lead)
PER_PAGE = 20


@bp.get("/queues")
@roles_required(*SUPERVISORS)
def queues():
    principal = page_principal()
    available = queries.queues_for(principal)
    counts = queries.queue_counts(principal)
    queue = request.args.get("queue") or next((k for k, _ in available if counts[k]), available[0][0])
    if queue not in dict(queries.QUEUES):
        abort(404, "没有这个审核队列")
    if queue not in dict(available):
        raise PermissionDeniedError("申诉复核由监督部门负责人办理")
    page = page_number(request.args.get("page"))
    items, total = queries.queue_page(queue, page=page, per_page=PER_PAGE, principal=principal)
    return render_template("supervision/queues.html", queues=available, counts=counts, queue=queue,
                           title=dict(available)[queue], items=items, pager=pager(page, total, PER_PAGE))


@bp.get("/overdue")
@roles_required(*SUPERVISORS)
def overdue_board():
    board = queries.overdue_board(page_principal())
    return render_template("supervision/overdue.html", board=board, due_soon_days=queries.DUE_SOON_DAYS,
                           limit=queries.BOARD_LIMIT)


@bp.context_processor
def links() -> dict:
    return {"task_url": task_url, "case_url": case_url}


def task_url(task_id: int, case_id: int) -> str | None:
    """Where a task is worked: its task page, else the case page, else nowhere yet."""
    if "task_pages.task" in current_app.view_functions:
        return url_for("task_pages.task", task_id=task_id)
    return case_url(case_id)


def case_url(case_id: int) -> str | None:
    if "case_pages.case" not in current_app.view_functions:
        return None
    try:
        return url_for("case_pages.case", case_id=case_id)
    except BuildError:
        return None


