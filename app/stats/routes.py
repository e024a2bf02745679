from __future__ import annotations

from io import BytesIO

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clock import now
from app.db import db
from app.org import service as org_service
from app.org.models import OrgUnit
from app.settings import to_local
from app.stats import filters, report, service, snapshot
from app.stats.indicators import DEFINITIONS, markdown_table
from app.stats.schemas import (
    DefinitionSchema,
    HotspotQuerySchema,
    HotspotsSchema,
    SnapshotCorrectionSchema,
    SnapshotCreateSchema,
    SnapshotQuerySchema,
    SnapshotSchema,
    StatsQuerySchema,
    SummarySchema,
    TrendMonthSchema,
    TrendQuerySchema,
    UnitFiguresSchema,
)
from app.user.auth import authenticate_request, current_principal, require_in_scope, require_roles
from app.user.models import Role

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats",
                description="统计分析：按国家标准口径的评价与差评整改指标、热点、月度报告与结账快照。\n\n"
                            + markdown_table())
blp.before_request(authenticate_request)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor)
CLOSERS = (Role.supervisor_lead,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter(args: dict) -> filters.StatsFilter:
    return filters.build(args, principal=current_principal(), today=to_local(now()).date())


def _committed(result):
    """A write (closing or correcting a month) commits once, here."""
    db.session.commit()
    return result


@blp.route("/indicators")
class Indicators(MethodView):
    @require_roles(*READERS)
    @blp.response(200, DefinitionSchema(many=True))
    def get(self):
        """指标口径：每项指标的名称和计算方法"""
        return list(DEFINITIONS)


@blp.route("/summary")
class Summary(MethodView):
    @require_roles(*READERS)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args):
        """指标汇总：参评率、主动评价率、好评率、差评率、差评回复率、按期整改率、回访率等（口径见本组说明）"""
        return service.summary(_filter(args))


@blp.route("/trend")
class Trend(MethodView):
    @require_roles(*READERS)
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200, TrendMonthSchema(many=True))
    def get(self, args):
        """逐月趋势（截至所选期间最后一天所在月份）"""
        months = args.pop("months")
        return service.trend(_filter(args), months=months)


@blp.route("/breakdown")
class Breakdown(MethodView):
    @require_roles(*READERS)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, UnitFiguresSchema(many=True))
    def get(self, args):
        """下级单位分项指标（逐级下钻：省 → 市 → 县 → 部门 / 大厅 → 窗口）"""
        flt = _filter(args)
        units = [child for root in flt.roots for child in service.children(root)] or list(flt.roots)
        return service.breakdown(flt, units)


@blp.route("/hotspots")
class Hotspots(MethodView):
    @require_roles(*READERS)
    @blp.arguments(HotspotQuerySchema, location="query")
    @blp.response(200, HotspotsSchema)
    def get(self, args):
        """差评热点（事项、单位、窗口、工作人员及主要原因）、工作人员排名与连续排名靠后者"""
        top = args.pop("top")
        return service.hot_spots(_filter(args), top=top)


def _present(snap) -> dict:
    unit = db.session.get(OrgUnit, snap.org_unit_id)
    return {"id": snap.id, "org_code": unit.code, "month": snap.month, "version": snap.version,
            "sha256": snap.sha256, "verified": snapshot.verify(snap), "created_at": snap.created_at,
            "created_by": snap.created_by, "reason": snap.reason, "figures": snap.figures}


def _unit(code: str):
    unit = org_service.get_by_code(code)
    require_in_scope(unit, "该机构不在您的管辖范围内")
    return unit


@blp.route("/snapshots")
class Snapshots(MethodView):
    @require_roles(*READERS)
    @blp.arguments(SnapshotQuerySchema, location="query")
    @blp.response(200, SnapshotSchema(many=True))
    def get(self, args):
        """某单位已结账月份的快照（含全部更正版本）"""
        unit = _unit(args["org_code"])
        months = [args["month"]] if args.get("month") else snapshot.closed_months(unit)
        return [_present(s) for month in months for s in snapshot.versions(unit, month)]

    @require_roles(*CLOSERS)
    @blp.arguments(SnapshotCreateSchema)
    @blp.response(201, SnapshotSchema)
    def post(self, data):
        """月度结账：冻结该单位该月数据并计算 SHA-256（已结账返回 409）"""
        principal = current_principal()
        snap = snapshot.close(_unit(data["org_code"]), data["month"], actor=principal.label)
        return _committed(_present(snap))


@blp.route("/snapshots/<int:snapshot_id>")
class SnapshotDetail(MethodView):
    @require_roles(*READERS)
    @blp.response(200, SnapshotSchema)
    def get(self, snapshot_id):
        """一份快照及其哈希校验结果"""
        snap = snapshot.get(snapshot_id)
        require_in_scope(db.session.get(OrgUnit, snap.org_unit_id))
        return _present(snap)


@blp.route("/snapshots/<int:snapshot_id>/corrections")
class SnapshotCorrection(MethodView):
    @require_roles(*CLOSERS)
    @blp.arguments(SnapshotCorrectionSchema)
    @blp.response(201, SnapshotSchema)
    def post(self, data, snapshot_id):
        """更正：以当前数据生成新版本快照（须说明理由，留审计记录；旧版本保留）"""
        snap = snapshot.get(snapshot_id)
        unit = db.session.get(OrgUnit, snap.org_unit_id)
        require_in_scope(unit)
        corrected = snapshot.correct(unit, snap.month, reason=data["reason"], actor=current_principal().label)
        return _committed(_present(corrected))


@blp.route("/reports/<org_code>/<month>.xlsx")
class MonthlyReport(MethodView):
    @require_roles(*READERS)
    @blp.response(200, content_type=XLSX, description="月度报告工作簿")
    def get(self, org_code, month):
        """月度报告（XLSX）：已结账月份取快照数据"""
        filters.month_bounds(month)
        figures, frozen = snapshot.report_figures(_unit(org_code), month)
        content = report.monthly_workbook(figures, frozen=frozen)
        return send_file(BytesIO(content), mimetype=XLSX, as_attachment=True,
                         download_name=f"haochaping-{org_code}-{month}.xlsx")


@blp.route("/reports/<org_code>/year/<int:year>.xlsx")
class YearlyReport(MethodView):
    @require_roles(*READERS)
    @blp.response(200, content_type=XLSX, description="年度差评整改报告工作簿")
    def get(self, org_code, year):
        """年度差评整改报告（XLSX）"""
        unit = _unit(org_code)
        content = report.yearly_workbook({"code": unit.code, "name": unit.name}, year,
                                         snapshot.year_figures(unit, year))
        return send_file(BytesIO(content), mimetype=XLSX, as_attachment=True,
                         download_name=f"haochaping-{org_code}-{year}.xlsx")
