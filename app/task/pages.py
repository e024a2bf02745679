"""我的待办 and the task page: the inbox, claiming, and working a task through its schema-driven form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.case import lifecycle
from app.case import queries as case_queries
from app.case.models import BadReviewCase
from app.db import db
from app.errors import ConflictError, PermissionDeniedError, ValidationError
from app.evaluation import service as evaluation_service
from app.org.models import OrgLevel, OrgUnit
from app.process_model import versions
from app.process_model.models import ProcessModel
from app.task import commands, form_view, service
from app.task.models import CaseTask, TaskState
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.paging import page_number, pager
from app.web.redirects import same_site_or
from app.workflow import get_bundle

bp = Blueprint("task_pages", __name__)

WORKERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead)
PER_PAGE = 50
CATEGORIES = (("simple", "简易"), ("general", "一般"), ("complex", "复杂"))


@bp.get("/tasks")
@roles_required(*WORKERS)
def inbox():
    filters = _inbox_filters(request.args)
    rows, total = service.inbox(filters, principal=page_principal())
    items = [(task, service.present(task)) for task in rows]
    return render_template("task/inbox.html", items=items, total=total, pager=pager(filters["page"], total, PER_PAGE),
                           args=request.args, task_types=task_types(), categories=CATEGORIES)


def _inbox_filters(args: MultiDict) -> dict:
    task, category = args.get("task", "")[:128], args.get("category", "")
    q = args.get("q", "").strip()[:64]
    return {"task": [task] if task else None, "category": [category] if category in dict(CATEGORIES) else None,
            "overdue": True if args.get("overdue") else None, "q": q or None, "sort": "due_at",
            "page": page_number(args.get("page")), "per_page": PER_PAGE}


def task_types() -> list[tuple[str, str]]:
    """The user tasks of the deployed model, in model order: (bpmn id, name)."""
    model = versions.deployed(lifecycle.PROCESS_ID)
    if model is None:
        return []
    found = {s.bpmn_id: s.bpmn_name or s.bpmn_id for s in get_bundle(model).user_task_specs()}
    return list(found.items())


@bp.post("/tasks/<int:task_id>/claim")
@roles_required(*WORKERS)
def claim(task_id: int):
    return _claim(task_id, release=False)


@bp.post("/tasks/<int:task_id>/release")
@roles_required(*WORKERS)
def release(task_id: int):
    return _claim(task_id, release=True)


def _claim(task_id: int, *, release: bool):
    try:
        task = commands.claim(task_id, principal=page_principal(), release=release)
        name = task.name
        db.session.commit()
        flash(f"已释放任务「{name}」" if release else f"已认领任务「{name}」", "success")
    except ConflictError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(_back())


def _back() -> str:
    return same_site_or(request.form.get("next"), url_for(".inbox"))


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required()  # any signed-in user in scope, like the API; only those who may work it see the form
def task(task_id: int):
    principal = page_principal()
    item = commands.get_visible_task(task_id, principal)
    if request.method == "POST":
        commands.check_may_work(item, principal)
        return _submit(item)
    return _render(item)


def _submit(item: CaseTask):
    schema = _model(item.case).forms.get(item.form, {})
    data = form_view.parse(schema, request.form)
    try:
        commands.complete_task(item.id, data, principal=page_principal())
    except ValidationError as err:
        db.session.rollback()
        return _render(item, values=request.form, errors=err.fields or {"data": [err.message]}, status=422)
    except ConflictError as err:
        db.session.rollback()
        return _render(item, values=request.form, conflict=err.message, status=409)
    db.session.commit()
    flash("已提交", "success")
    return redirect(url_for(".inbox"))


def _render(item: CaseTask, *, values: MultiDict | None = None, errors: dict | None = None,
            conflict: str | None = None, status: int = 200):
    principal = page_principal()
    case = item.case
    model = _model(case)
    schema = model.forms.get(item.form, {})
    workable = _may_work(item) and item.claimed_by_id in (None, principal.user.id)
    fields, general = [], []
    if workable:
        options = org_options(case) if _has_org_field(schema) else []
        fields, general = form_view.describe(schema, values=values, errors=errors, org_options=options)
    steps = earlier_steps(case, model, exclude=item.id)
    return render_template(
        "task/task.html", task=item, info=service.present(item), case=case,
        summary=case_queries.summary(case, principal=principal),
        evaluation=evaluation_service.present(case.evaluation, principal=principal),
        schema=schema, fields=fields, general_errors=general, invalid=bool(errors), conflict=conflict,
        workable=workable, may_work=_may_work(item), steps=steps, submitted=step_rows(model, item)), status


def _may_work(item: CaseTask) -> bool:
    if item.state != TaskState.open:
        return False
    try:
        commands.check_may_work(item, page_principal())
    except PermissionDeniedError:
        return False
    return True


def _model(case: BadReviewCase) -> ProcessModel:
    return db.session.get(ProcessModel, case.process_model_id)


def _has_org_field(schema: dict) -> bool:
    return any(p.get("x-format") == "org-codes" for p in (schema.get("properties") or {}).values())


def org_options(case: BadReviewCase) -> list[tuple[str, str]]:
    """Departments in the responsible department's county (other than itself and supervision offices)."""
    county = case.responsible_org
    while county.parent is not None and county.level != OrgLevel.county:
        county = county.parent
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.path.startswith(county.path), OrgUnit.level == OrgLevel.department,
        OrgUnit.id != case.responsible_org_id, OrgUnit.supervises_id.is_(None)).order_by(OrgUnit.code))
    return [(u.code, f"{u.name}（{u.code}）") for u in units]


def earlier_steps(case: BadReviewCase, model: ProcessModel, *, exclude: int | None = None) -> list[dict]:
    """The case's completed tasks, oldest first, with who submitted what."""
    done = db.session.scalars(select(CaseTask).where(
        CaseTask.case_id == case.id, CaseTask.state == TaskState.completed, CaseTask.id != (exclude or 0))
        .order_by(CaseTask.closed_at, CaseTask.id)).all()
    names = org_names(done)
    return [{"task": t, "by": t.completed_by.display_name if t.completed_by else "—",
             "rows": form_view.readable(model.forms.get(t.form), t.submitted, names)} for t in done]


def step_rows(model: ProcessModel, item: CaseTask) -> list[form_view.Row]:
    if item.state != TaskState.completed:
        return []
    return form_view.readable(model.forms.get(item.form), item.submitted, org_names([item]))


def org_names(tasks: list[CaseTask]) -> dict[str, str]:
    """Names of the org codes that appear in list values of the tasks' submitted data."""
    codes = {code for t in tasks for value in (t.submitted or {}).values() if isinstance(value, list)
             for code in value if isinstance(code, str)}
    if not codes:
        return {}
    return {u.code: u.name for u in db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
