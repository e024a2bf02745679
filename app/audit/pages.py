"""审计查询: the auditor's read-only pages. Search cases and evaluations across the auditor's scope, read one
case's complete history with the state of the audit chain, and take both away as CSV or on paper.

Evaluator identity is shown masked: auditors are not a contact role (``evaluation.service.present``).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audit import export, verify_chain
from app.case import queries as case_queries
from app.case.models import STATUS_LABELS
from app.clock import now
from app.db import db
from app.evaluation import service as evaluation_service
from app.evaluation.models import LEVEL_LABELS
from app.org.models import OrgUnit
from app.org.service import subtree_filter
from app.settings import to_local
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.paging import page_number, pager

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")

PER_PAGE = 20
PRINT_LIMIT = 2000  # a printable list longer than this is cut, with a note to narrow the search
PERIODS = ("received_from", "received_to", "evaluated_from", "evaluated_to")


@bp.get("")
@roles_required(Role.auditor)
def search():
    principal = page_principal()
    units = _scope_units(principal)
    filters, errors = parse_filters(request.args, units)
    cases = evaluations = None
    if not errors:
        page, epage = page_number(request.args.get("page")), page_number(request.args.get("epage"))
        rows, total = export.paginate(export.case_query(filters, principal=principal), page=page, per_page=PER_PAGE)
        cases = {"rows": rows, "pager": pager(page, total, PER_PAGE)}
        rows, total = export.paginate(export.evaluation_query(filters, principal=principal),
                                      page=epage, per_page=PER_PAGE)
        evaluations = {"rows": [evaluation_service.present(e, principal=principal) for e in rows],
                       "pager": pager(epage, total, PER_PAGE, "epage")}
    return render_template("audit/search.html", args=request.args, errors=errors, cases=cases,
                           evaluations=evaluations, query=_export_args(request.args), **_choices(units))


@bp.get("/cases.csv")
@roles_required(Role.auditor)
def cases_csv():
    principal = page_principal()
    units = _scope_units(principal)
    filters, errors = parse_filters(request.args, units)
    if errors:
        return render_template("audit/search.html", args=request.args, errors=errors, cases=None, evaluations=None,
                               query=_export_args(request.args), **_choices(units)), 422
    body = export.cases_csv(export.case_query(filters, principal=principal))
    return _download(body, f"cases-{_stamp()}.csv")


@bp.get("/cases/print")
@roles_required(Role.auditor)
def cases_print():
    principal = page_principal()
    filters, errors = parse_filters(request.args, _scope_units(principal))
    rows, total = ([], 0) if errors else export.paginate(export.case_query(filters, principal=principal),
                                                           page=1, per_page=PRINT_LIMIT)
    return render_template("audit/cases_print.html", rows=rows, total=total, errors=errors, limit=PRINT_LIMIT,
                           criteria=_criteria(filters), printed_at=now())


@bp.get("/cases/<int:case_id>")
@roles_required(Role.auditor)
def case_history(case_id: int):
    return render_template("audit/case_history.html", **_history(case_id))


@bp.get("/cases/<int:case_id>/print")
@roles_required(Role.auditor)
def case_history_print(case_id: int):
    return render_template("audit/case_history_print.html", printed_at=now(), **_history(case_id))


@bp.get("/cases/<int:case_id>.csv")
@roles_required(Role.auditor)
def case_history_csv(case_id: int):
    case = case_queries.get(case_id, principal=page_principal())
    return _download(export.history_csv(case_queries.history(case)), f"case-{case.case_no}-history.csv")


def _history(case_id: int) -> dict:
    """The case, its events in order, and the chain verified now (walks the whole chain, caches nothing)."""
    principal = page_principal()
    case = case_queries.get(case_id, principal=principal)
    events = case_queries.history(case)
    report = verify_chain()
    seqs = {e.seq for e in events}
    return {"case": case, "detail": case_queries.detail(case, principal=principal), "report": report,
            "events": [{"event": e, "action": export.action_label(e), "pairs": export.describe(e.payload)}
                       for e in events],
            "broken_here": report.broken_at in seqs if report.broken_at else False}


def parse_filters(args: MultiDict, units: list[OrgUnit]) -> tuple[export.AuditFilters, dict[str, str]]:
    """The search form's arguments; a bad value is reported by field instead of being ignored."""
    errors: dict[str, str] = {}
    periods = {}
    for name in PERIODS:
        raw = args.get(name, "").strip()
        try:
            periods[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD"
    for first, last in (("received_from", "received_to"), ("evaluated_from", "evaluated_to")):
        if periods.get(first) and periods.get(last) and periods[first] > periods[last]:
            errors[last] = "结束日期早于开始日期"
    status, level = args.get("status", ""), args.get("level", "")
    if status and status not in STATUS_LABELS:
        errors["status"] = "状态无效"
    if level and not (level.isdigit() and int(level) in LEVEL_LABELS):
        errors["level"] = "评价等级无效"
    org_code = args.get("org_code", "").strip()
    if org_code and org_code not in {u.code for u in units}:
        errors["org_code"] = "该机构不在您的管辖范围内"
    q = args.get("q", "").strip()[:64]
    filters = export.AuditFilters(q=q or None, org_code=org_code or None, status=status or None,
                                  level=int(level) if level.isdigit() else None, **periods)
    return filters, errors


def _scope_units(principal) -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(subtree_filter(OrgUnit.path, list(principal.scope_roots)))
                                   .order_by(OrgUnit.path)))


def _choices(units: list[OrgUnit]) -> dict:
    top = min((u.path.count("/") for u in units), default=0)
    return {"org_options": [(u.code, u.name, u.path.count("/") - top) for u in units],
            "status_options": [(str(k), v) for k, v in STATUS_LABELS.items()],
            "level_options": sorted(LEVEL_LABELS.items(), reverse=True)}  # best first


def _criteria(filters: export.AuditFilters) -> list[tuple[str, str]]:
    names = {"q": "编号", "received_from": "收到日期自", "received_to": "收到日期至", "evaluated_from": "评价日期自",
             "evaluated_to": "评价日期至", "org_code": "机构", "status": "状态", "level": "评价等级"}
    shown = {"status": STATUS_LABELS, "level": LEVEL_LABELS}
    return [(names[k], shown.get(k, {}).get(v, v)) for k, v in vars(filters).items() if v]


def _export_args(args: MultiDict) -> dict:
    """The current search without its page numbers, for the CSV and print links."""
    return {k: v for k, v in args.items() if k not in ("page", "epage") and v}


def _download(body: str, filename: str) -> Response:
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _stamp() -> str:
    return to_local(now()).strftime("%Y%m%d-%H%M")
