"""Dashboards, the printable monthly report, and the public disclosure board (曝光台 / 结果公开).

The pages call the same service functions as the API, so a dashboard shows the API's numbers for the same
filter. Charts are drawn by static/js/dashboard.js from a JSON data block (the CSP allows no inline script).
The disclosure pages need no sign-in and read only frozen snapshots, which hold no personal data.
"""
from __future__ import annotations

import json
from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from app.clock import now
from app.db import db
from app.errors import DomainError
from app.evaluation.models import EvaluationChannel
from app.org import service as org_service
from app.settings import to_local
from app.stats import filters, refresh, report, service, snapshot
from app.stats.filters import month_bounds, month_of
from app.stats.indicators import COUNTING_BASIS, DEFINITIONS, as_map
from app.user.models import Role
from app.web.access import page_principal, roles_required

bp = Blueprint("stats_pages", __name__)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor)
KIND_LABELS = {"rate": "比率", "count": "件数", "days": "工作日"}
FILTER_KEYS = ("org_code", "window_code", "item_code", "staff_username", "month", "date_from", "date_to")


@bp.app_template_filter("pct")
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


@bp.app_template_filter("figure")
def figure(item: dict) -> str:
    """An indicator as people read it: a percentage, a count or days."""
    if item["value"] is None:
        return "—"
    if item["kind"] == "rate":
        return percent(item["value"])
    return f"{item['value']:g}" if item["kind"] == "days" else str(item["value"])


def _today():
    return to_local(now()).date()


def _args() -> dict:
    args = {k: request.args[k].strip() for k in FILTER_KEYS if request.args.get(k, "").strip()}
    channels = [c for c in request.args.getlist("channel") if c in EvaluationChannel.__members__]
    if channels:
        args["channel"] = channels
    for key in ("date_from", "date_to"):
        if key in args:
            try:
                args[key] = date.fromisoformat(args[key])
            except ValueError:
                del args[key]
    if "month" in args:
        month_bounds(args["month"])
    return args


@bp.context_processor
def _counting_basis() -> dict:
    """Every statistics page says how its period is counted (stats/_basis.html) and, where it reads the daily
    counts, as of when (stats/_freshness.html)."""
    return {"counting_basis": COUNTING_BASIS, "stats_freshness": refresh.freshness}


@bp.get("/stats/indicators")
@roles_required(*READERS)
def indicator_definitions():
    return render_template("stats/definitions.html", definitions=DEFINITIONS, kinds=KIND_LABELS)


@bp.get("/stats/")
@roles_required(*READERS)
def dashboard():
    args = _args()
    flt = filters.build(args, principal=page_principal(), today=_today())
    summary = service.summary(flt)
    units = [child for root in flt.roots for child in service.children(root)]
    data = {
        "trend": [{"month": m["month"], **{i["code"]: i["value"] for i in m["indicators"]}}
                  for m in service.trend(flt, months=6)],
        "levels": summary["levels"], "channels": summary["channels"],
    }
    hot = service.hot_spots(flt)
    return render_template("stats/dashboard.html", summary=summary, indicators=as_map(summary["indicators"]),
                           units=[{**u, "map": as_map(u["indicators"])} for u in service.breakdown(flt, units)]
                           if units else [], hot=hot, flt=flt, args=args,
                           drill={k: str(v) for k, v in args.items() if k in ("month", "date_from", "date_to")},
                           chart_data=json.dumps(data, ensure_ascii=False), channels=EvaluationChannel,
                           month=args.get("month") or month_of(flt.end))


def _unit_in_scope(org_code: str):
    unit = org_service.find_by_code(org_code)
    if unit is None:
        abort(404, "机构不存在")
    if not page_principal().can_see(unit):
        abort(403, "该机构不在您的管辖范围内")
    return unit


@bp.get("/stats/reports/<org_code>/<month>")
@roles_required(*READERS)
def monthly_report(org_code, month):
    month_bounds(month)
    unit = _unit_in_scope(org_code)
    figures, frozen = snapshot.report_figures(unit, month)
    month_over = month_bounds(month)[1] < _today()
    return render_template("stats/report.html", figures=figures, frozen=frozen, unit=unit, month=month,
                           definitions={d.code: d for d in DEFINITIONS}, month_over=month_over,
                           may_close=page_principal().has_any(Role.supervisor_lead))


@bp.get("/stats/reports/<org_code>/<month>.xlsx")
@roles_required(*READERS)
def monthly_report_xlsx(org_code, month):
    month_bounds(month)
    figures, frozen = snapshot.report_figures(_unit_in_scope(org_code), month)
    return send_file(BytesIO(report.monthly_workbook(figures, frozen=frozen)), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"haochaping-{org_code}-{month}.xlsx")


@bp.post("/stats/reports/<org_code>/<month>/close")
@roles_required(Role.supervisor_lead)
def close_month(org_code, month):
    unit = _unit_in_scope(org_code)
    reason = request.form.get("reason", "").strip()
    principal = page_principal()
    try:
        if snapshot.published(unit, month) is None:
            snapshot.close(unit, month, actor=principal.label)
            flash(f"{unit.name} {month} 已结账，数据已冻结", "ok")
        else:
            snapshot.correct(unit, month, reason=reason, actor=principal.label)
            flash(f"{unit.name} {month} 已生成更正版本", "ok")
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("stats_pages.monthly_report", org_code=org_code, month=month))


@bp.get("/public/disclosure")
def disclosure_index():
    """Published months, newest first, with the units that have figures for them."""
    today = _today()
    month, months = month_of(today), []
    for _ in range(12):
        month = filters.previous_month(month)
        published = snapshot.published_units(month)
        if published:
            months.append((month, [unit for unit, _ in published]))
    return render_template("stats/disclosure_index.html", months=months)


@bp.get("/public/disclosure/<org_code>/<month>")
def disclosure(org_code, month):
    month_bounds(month)
    unit = org_service.find_by_code(org_code)
    published = snapshot.published(unit, month) if unit else None
    if published is None:
        abort(404, "该单位该月的结果尚未公开")
    return render_template("stats/disclosure.html", unit=unit, month=month, snap=published,
                           figures=published.figures, indicators=as_map(published.figures["indicators"]))
