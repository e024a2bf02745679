"""工单查询 and the case page: status, deadlines, current tasks, the full history and the BPMN diagram."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEvent
from app.case import queries, sync
from app.case.models import BadReviewCase
from app.db import db
from app.errors import ConflictError, NotFoundError, ValidationError
from app.evaluation.models import LEVEL_LABELS, Evaluation
from app.org.models import OrgUnit
from app.outreach import points, reminders
from app.privacy import mask_phone
from app.process_model.models import ProcessModel
from app.service_case.models import ServiceCase
from app.settings import LOCAL_TZ
from app.task import form_view
from app.task.models import CaseTask, TaskState
from app.task.pages import org_names
from app.user import service as user_service
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.filters import label, local_time
from app.web.paging import page_number, pager

bp = Blueprint("case_pages", __name__)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor)
SUPERVISORS = (Role.supervisor, Role.supervisor_lead)
PER_PAGE = 50
STATUSES = (("open", "处理中"), ("not_adopted", "不予采纳"), ("closed", "已销号"))
CATEGORIES = (("simple", "简易"), ("general", "一般"), ("complex", "复杂"))
DEADLINE_NAMES = {
    "sign_for_deadline": "签收期限", "appeal_deadline": "申诉期限", "verify_deadline": "核实期限",
    "classify_deadline": "分类期限", "rectify_deadline": "整改期限", "feedback_deadline": "反馈期限",
    "return_visit_deadline": "回访期限", "close_out_deadline": "销号期限", "review_deadline": "审核期限",
    "consult_deadline": "会商期限", "supervise_deadline": "督办期限", "recheck_deadline": "复核申请期限",
}
ACTIONS = {
    "evaluation.received": "收到评价", "case.opened": "生成差评工单", "case.process_started": "启动流程",
    "task.opened": "新任务", "task.completed": "提交", "task.cancelled": "任务取消", "task.claimed": "认领",
    "task.released": "释放", "timer.fired": "计时器触发", "case.overdue": "逾期", "notification.recorded": "发出提醒",
    "deadline.moved": "期限变化", "deadlines.set": "期限变化", "deadline.recomputed": "期限变化",
    "deadline.confirmed": "期限确认", "evaluation.not_adopted": "不予采纳", "case.ended": "结案",
}
NOTIFICATION_KINDS = {"rectify_reminder": "整改到期提醒"}
SYSTEM_ACTORS = {"scheduler": "系统（定时任务）", "system": "系统"}


@bp.get("/cases")
@roles_required(*READERS)
def search():
    filters, errors = _search_filters(request.args)
    rows, total = [], 0
    if not errors:
        try:
            rows, total = queries.search(filters, principal=page_principal())
        except ValidationError as err:
            errors = err.fields
    loaded = _preload(rows)  # noqa: F841 - keeps related rows in the identity map while rendering
    principal = page_principal()
    items = [queries.summary(c, principal=principal) for c in rows]
    return render_template("case/search.html", items=items, total=total, errors=errors, args=request.args,
                           pager=pager(filters["page"], total, PER_PAGE), statuses=STATUSES,
                           categories=CATEGORIES), 422 if errors else 200


def _search_filters(args: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    status, category, overdue = args.get("status", ""), args.get("category", ""), args.get("overdue", "")
    filters = {"status": [status] if status in dict(STATUSES) else None,
               "category": [category] if category in dict(CATEGORIES) else None,
               "overdue": {"1": True, "0": False}.get(overdue), "org_code": args.get("org_code", "").strip()[:32],
               "page": page_number(args.get("page")), "per_page": PER_PAGE}
    for key, shift in (("received_from", 0), ("received_to", 1)):  # the end date counts in full
        raw = args.get(key, "").strip()
        if raw:
            try:
                day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=LOCAL_TZ)
                filters[key] = day + timedelta(days=shift)
            except ValueError:
                errors[key] = ["日期格式应为 年-月-日，如 2026-11-20"]
    return filters, errors


def _preload(cases: list[BadReviewCase]) -> list:
    """Loads the cases' units, evaluations and service cases in three queries instead of three per row."""
    def load(model, ids):
        return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []

    units = load(OrgUnit, {c.responsible_org_id for c in cases})
    evaluations = load(Evaluation, {c.evaluation_id for c in cases})
    return [*units, *evaluations, *load(ServiceCase, {e.service_case_id for e in evaluations})]


@bp.get("/cases/<int:case_id>")
@roles_required(*READERS)
def case(case_id: int):
    return _case_page(queries.get(case_id, principal=page_principal()))


def _case_page(item: BadReviewCase, *, suggestion: dict | None = None, status: int = 200):
    principal = page_principal()
    detail = queries.detail(item, principal=principal)
    events = queries.history(item)
    tasks = db.session.scalars(select(CaseTask).where(CaseTask.case_id == item.id).order_by(CaseTask.id)).all()
    model = _model(item)
    finished, current = diagram_marks(tasks, events)
    service_case = item.evaluation.service_case
    return render_template("case/case.html", case=item, detail=detail, deadlines=deadlines(item),
                           timeline=timeline(events, tasks, model), finished=finished, current=current,
                           model=model, notifications=reminders.for_service_case(service_case.id),
                           recipient=mask_phone(service_case.applicant_phone),
                           suggestion=_suggestion(item, **(suggestion or {}))), status


def _suggestion(item: BadReviewCase, *, note: str = "", errors: dict | None = None) -> dict | None:
    """The evaluator's suggestion: adopted already, or adoptable by the supervision office (None: nothing to show)."""
    evaluation = item.evaluation
    entry = points.adopted_suggestion(evaluation.id)
    if not evaluation.comment or (entry is None and not page_principal().has_any(*SUPERVISORS)):
        return None
    return {"entry": entry, "eligible": bool(evaluation.service_case.applicant_phone_hash),
            "points": points.suggestion_points(), "note": note, "errors": errors or {}}


@bp.post("/cases/<int:case_id>/suggestion")
@roles_required(*SUPERVISORS)
def adopt_suggestion(case_id: int):
    """采纳建议并记积分 (points.award_suggestion checks the scope and that it was not adopted before)."""
    principal = page_principal()
    item = queries.get(case_id, principal=principal)
    note = request.form.get("note", "").strip()
    if not note or len(note) > 500:
        return _case_page(item, suggestion={"note": note, "errors": {"note": [
            "请填写采纳说明" if not note else "不能超过 500 字"]}}, status=422)
    try:
        entry = points.award_suggestion(item.evaluation_id, note=note, principal=principal)
    except (ValidationError, ConflictError) as err:
        db.session.rollback()
        return _case_page(item, suggestion={"note": note, "errors": err.fields or {"form": [err.message]}},
                          status=err.status)
    amount = entry.points
    db.session.commit()
    flash(f"已采纳评价人的建议，记 {amount} 积分", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.get("/cases/<int:case_id>/diagram.bpmn")
@roles_required(*READERS)
def diagram(case_id: int):
    model = _model(queries.get(case_id, principal=page_principal()))
    if model is None:
        raise NotFoundError("该工单尚未启动流程，没有流程图")
    return Response(model.bpmn_xml, mimetype="application/xml")


def _model(item: BadReviewCase) -> ProcessModel | None:
    return db.session.get(ProcessModel, item.process_model_id) if item.process_model_id else None


def deadlines(item: BadReviewCase) -> list[dict]:
    """Every deadline of the case with its Chinese name, known ones in lifecycle order."""
    values = item.deadlines or {}
    keys = [k for k in DEADLINE_NAMES if k in values] + sorted(k for k in values if k not in DEADLINE_NAMES)
    start = item.received_at.isoformat()
    result = []
    for key in keys:
        due = datetime.fromisoformat(values[key])
        result.append({"key": key, "name": DEADLINE_NAMES.get(key, key), "at": due,
                       "provisional": sync.is_provisional(start, due)})
    return result


def diagram_marks(tasks: list[CaseTask], events: list[AuditEvent]) -> tuple[list[str], list[str]]:
    """BPMN element ids: finished (completed tasks, fired timers, the end reached) in the order they happened,
    and current (open tasks)."""
    current = list(dict.fromkeys(t.bpmn_id for t in tasks if t.state == TaskState.open))
    keys = {"task.completed": "task", "timer.fired": "timer", "case.ended": "end"}
    reached = [(e.payload or {}).get(keys[e.action]) for e in events if e.action in keys]
    finished = [i for i in dict.fromkeys(reached) if i and i not in current]
    return finished, current


def timeline(events: list[AuditEvent], tasks: list[CaseTask], model: ProcessModel | None) -> list[dict]:
    by_id = {t.id: t for t in tasks}
    actors = user_service.actor_names({e.actor for e in events}, SYSTEM_ACTORS)
    names = org_names(tasks)
    forms = model.forms if model else {}
    entries = []
    for event in events:
        payload = event.payload or {}
        task = by_id.get(payload.get("task_id"))
        rows = []
        if event.action == "task.completed" and isinstance(payload.get("data"), dict):
            form = task.form if task else payload.get("task", "")
            rows = form_view.readable(forms.get(form), payload["data"], names)
        title = ACTIONS.get(event.action, event.action)
        if event.action == "case.process_started":
            title = f"启动流程（模型第{payload.get('model_version', '?')}版）"
        entries.append({"at": event.occurred_at, "actor": actors.get(event.actor, event.actor),
                        "action": event.action, "title": title,
                        "detail": describe(event.action, payload, task), "rows": rows})
    return entries


def describe(action: str, payload: dict, task: CaseTask | None) -> str:
    """One line in Chinese saying what the event changed."""
    task_name = payload.get("name") or (task.name if task else payload.get("task", ""))
    writer = _DETAILS.get(action)
    return writer(payload, task_name) if writer else ""


def _when(value: str | None) -> str:
    return local_time(datetime.fromisoformat(value)) if isinstance(value, str) and value else "—"


def _task_opened(p: dict, name: str) -> str:
    provisional = "（暂定）" if p.get("provisional") else ""
    return f"{name}，承办单位 {p.get('org_unit', '—')}，期限 {_when(p.get('due_at'))}{provisional}"


def _deadlines_set(p: dict, name: str) -> str:
    return "；".join(f"{DEADLINE_NAMES.get(k, k)} {_when(v)}" for k, v in p.items())


def _deadline_moved(p: dict, name: str) -> str:
    what = DEADLINE_NAMES.get(p.get("deadline", ""), "") or (f"「{name}」期限" if name else "期限")
    reason = f"（{p['reason']}）" if p.get("reason") else ""
    return f"{what}：{_when(p.get('from'))} → {_when(p.get('to'))}{reason}"


def _deadline_confirmed(p: dict, name: str) -> str:
    what = f"「{name}」期限" if name else "期限"
    return f"{what} {_when(p.get('due_at'))} 经官方节假日安排确认，不再暂定"


_DETAILS = {
    "evaluation.received": lambda p, n: f"{LEVEL_LABELS.get(p.get('level'), '—')}，"
                                        f"{label(p.get('channel'), 'channel')}，办件号 {p.get('service_case_no', '—')}",
    "case.opened": lambda p, n: f"工单号 {p.get('case_no', '—')}",
    "task.opened": _task_opened,
    "task.completed": lambda p, n: n,
    "task.cancelled": lambda p, n: n,
    "task.claimed": lambda p, n: n,
    "task.released": lambda p, n: n,
    "timer.fired": lambda p, n: p.get("name") or p.get("timer", ""),
    "case.overdue": lambda p, n: f"整改期限 {_when(p.get('deadline'))} 已过，转督办",
    "notification.recorded": lambda p, n: f"{NOTIFICATION_KINDS.get(p.get('kind'), p.get('kind', ''))}"
                                          f"（期限 {_when(p.get('deadline'))}）",
    "deadline.moved": _deadline_moved,
    "deadlines.set": _deadlines_set,
    "deadline.recomputed": _deadline_moved,
    "deadline.confirmed": _deadline_confirmed,
    "evaluation.not_adopted": lambda p, n: p.get("reason") or "",
    "case.ended": lambda p, n: label(p.get("status"), "status"),
}
