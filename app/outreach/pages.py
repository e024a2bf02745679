"""The supervision office's outreach work in the browser — 抽样回访 (monthly draws, their samples and the open
visits with a form for the result) and 刷评预警 (signals with their evaluations and a review form) — and the
evaluator's points ledger, opened through the signed link sent with reminders and return visits.

Every change goes through the service that audits it; the route owns the one commit and, when the service
refuses, rolls back and shows the page again with the message by field and what was typed.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.db import db
from app.errors import ConflictError, ValidationError
from app.evaluation import service as evaluation_service
from app.outreach import display, forms, fraud, options, points, sampling
from app.outreach.models import ReturnVisitSample
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.paging import page_number, pager

bp = Blueprint("outreach_pages", __name__)

SUPERVISORS = (Role.supervisor, Role.supervisor_lead)
DRAWS_PER_PAGE = 12
SAMPLES_PER_PAGE = 50
VISITS_PER_PAGE = 20
SIGNALS_PER_PAGE = 20


@bp.get("/evaluator/points/<token>")
def points_ledger(token):
    entries, total = points.ledger(points.evaluator_for(token))
    return render_template("outreach/points.html", entries=entries, total=total)


@bp.context_processor
def labels() -> dict:
    return {"outreach_labels": display.LABELS}


# -- 抽样回访: the draws and drawing a month --------------------------------------------------------------

@bp.get("/outreach/return-visits")
@roles_required(*SUPERVISORS)
def return_visits():
    return _draws_page(sampling.default_month())


@bp.post("/outreach/return-visits")
@roles_required(*SUPERVISORS)
def draw_month():
    principal = page_principal()
    month = request.form.get("month", "").strip()[:7]
    errors = forms.month_errors(month)
    office = principal.user.org_unit
    if office.supervises is None:
        errors.setdefault("month", []).append("只有监督部门可以抽取回访样本")
    if errors:
        return _draws_page(month, errors=errors, status=422)
    try:
        record = sampling.draw(office, month, actor=principal.label)
    except ValidationError as err:
        db.session.rollback()
        return _draws_page(month, errors=err.fields or {"month": [err.message]}, status=422)
    except ConflictError as err:
        db.session.rollback()
        return _draws_page(month, conflict=err.message, status=409)
    draw_id, size = record.id, sum(record.counts.values())
    db.session.commit()
    flash(f"已抽取 {month} 的回访样本，共 {size} 件，已加入待回访清单", "success")
    return redirect(url_for(".draw", draw_id=draw_id))


def _draws_page(month: str, *, errors: dict | None = None, conflict: str | None = None, status: int = 200):
    principal = page_principal()
    page = page_number(request.args.get("page"))
    records, total = sampling.draws_page(principal, page=page, per_page=DRAWS_PER_PAGE)
    _, open_total = sampling.visits_page(principal, page=1, per_page=1)
    office = principal.user.org_unit
    return render_template(
        "outreach/return_visits.html", draws=display.draw_rows(records), pager=pager(page, total, DRAWS_PER_PAGE),
        month=month, errors=errors or {}, conflict=conflict, open_total=open_total, rules=sampling.rules_now(),
        profile=options.profile_title(), office=office if office.supervises is not None else None), status


@bp.get("/outreach/return-visits/draws/<int:draw_id>")
@roles_required(*SUPERVISORS, Role.auditor)
def draw(draw_id: int):
    record = sampling.get_draw(draw_id, principal=page_principal())
    page = page_number(request.args.get("page"))
    rows, total = sampling.samples_page(record, page=page, per_page=SAMPLES_PER_PAGE)
    return render_template("outreach/draw.html", draw=display.draw_rows([record])[0],
                           samples=[display.visit_row(s) for s in rows], pager=pager(page, total, SAMPLES_PER_PAGE),
                           may_visit=page_principal().has_any(*SUPERVISORS))


# -- 抽样回访: the open visits and recording a result -------------------------------------------------------

@bp.get("/outreach/return-visits/open")
@roles_required(*SUPERVISORS)
def visit_worklist():
    page = page_number(request.args.get("page"))
    rows, total = sampling.visits_page(page_principal(), page=page, per_page=VISITS_PER_PAGE)
    return render_template("outreach/worklist.html", visits=[display.visit_row(s) for s in rows],
                           pager=pager(page, total, VISITS_PER_PAGE))


@bp.route("/outreach/return-visits/visits/<int:sample_id>", methods=["GET", "POST"])
@roles_required(*SUPERVISORS)
def visit(sample_id: int):
    sample = sampling.get_visit(sample_id, principal=page_principal())
    if request.method == "POST":
        return _record_visit(sample)
    return _visit_page(sample)


def _record_visit(sample: ReturnVisitSample):
    data, errors = forms.visit_data(request.form)
    if errors:
        return _visit_page(sample, values=request.form, errors=errors, status=422)
    try:
        sampling.complete(sample.id, data, principal=page_principal())
    except ValidationError as err:
        db.session.rollback()
        return _visit_page(sample, values=request.form, errors=err.fields or {"note": [err.message]}, status=422)
    except ConflictError as err:
        db.session.rollback()
        return _visit_page(sample, conflict=err.message, status=409)
    case_no = sample.evaluation.service_case.case_no
    db.session.commit()
    flash(f"已记录办件 {case_no} 的回访结果", "success")
    return redirect(url_for(".visit_worklist"))


def _visit_page(sample: ReturnVisitSample, *, values=None, errors: dict | None = None, conflict: str | None = None,
                status: int = 200):
    principal = page_principal()
    fields, general = forms.visit_fields(values, errors) if sample.state == "open" else ([], [])
    return render_template(
        "outreach/visit.html", visit=display.visit_row(sample), result=display.visit_result(sample),
        evaluation=evaluation_service.present(sample.evaluation, principal=principal), fields=fields,
        general_errors=general, invalid=bool(errors), conflict=conflict), status


# -- 刷评预警 -------------------------------------------------------------------------------------------

@bp.get("/outreach/fraud-signals")
@roles_required(*SUPERVISORS, Role.auditor)
def fraud_signals():
    return _signals_page()


@bp.post("/outreach/fraud-signals/<int:signal_id>/review")
@roles_required(*SUPERVISORS)
def review_signal(signal_id: int):
    principal = page_principal()
    signal = fraud.get_signal(signal_id, principal=principal)
    data, errors = forms.review_data(signal_id, request.form)
    if errors and signal.status == "open":
        return _signals_page(failed=(signal_id, errors), status=422)
    try:  # a signal reviewed meanwhile: the service says so
        signal = fraud.review(signal_id, status=data.get("status"), note=data.get("note", ""), principal=principal)
    except ConflictError as err:
        db.session.rollback()
        return _signals_page(conflict=err.message, status=409)
    text = f"预警「{signal.subject_label}」：{display.LABELS['signal_status'][signal.status]}"
    db.session.commit()
    flash(text, "success")
    return redirect(url_for(".fraud_signals", status=_status_filter(), page=request.args.get("page")))


def _status_filter() -> str:
    chosen = request.args.get("status", "open")
    return chosen if chosen in display.LABELS["signal_status"] or chosen == "all" else "open"


def _signals_page(*, failed: tuple[int, dict] | None = None, conflict: str | None = None, status: int = 200):
    principal = page_principal()
    chosen, page = _status_filter(), page_number(request.args.get("page"))
    rows, total = fraud.signals_page(principal, status=None if chosen == "all" else chosen, page=page,
                                     per_page=SIGNALS_PER_PAGE)
    may_review = principal.has_any(*SUPERVISORS)
    items = display.signal_rows(rows)
    for item in items:
        signal = item["signal"]
        typed, problems = (request.form, failed[1]) if failed and failed[0] == signal.id else (None, None)
        item["fields"] = forms.review_fields(signal.id, typed, problems) \
            if may_review and signal.status == "open" else []
        item["invalid"] = bool(problems)
    return render_template("outreach/fraud_signals.html", items=items, chosen=chosen,
                           counts=fraud.status_counts(principal), statuses=display.SIGNAL_STATUSES,
                           pager=pager(page, total, SIGNALS_PER_PAGE), conflict=conflict,
                           may_review=may_review), status
