from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.db import db
from app.errors import NotFoundError, ValidationError
from app.org import service as org_service
from app.org.models import OrgUnit
from app.outreach import fraud, points, reminders, sampling
from app.outreach.models import ReturnVisitDraw
from app.outreach.schemas import (
    DrawCreateSchema,
    DrawSchema,
    NotificationSchema,
    PointsEntrySchema,
    SampleSchema,
    SignalQuerySchema,
    SignalReviewSchema,
    SignalSchema,
    SuggestionSchema,
    VisitResultSchema,
)
from app.service_case import service as service_case_service
from app.user.auth import authenticate_request, current_principal, require_in_scope, require_roles
from app.user.models import Role

blp = Blueprint("outreach", __name__, url_prefix="/api/v1/outreach",
                description="评价运营：催评提醒与发送记录、月度回访抽样、刷评预警、评价积分")
blp.before_request(authenticate_request)

SUPERVISION = (Role.supervisor, Role.supervisor_lead)
CASE_READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor)


def _present_draw(record: ReturnVisitDraw) -> dict:
    return {"id": record.id, "month": record.month, "seed": record.seed, "params": record.params,
            "counts": record.counts, "created_at": record.created_at, "created_by": record.created_by,
            "verified": sampling.verify(record), "samples": sampling.samples(record)}


@blp.route("/return-visit-draws")
class Draws(MethodView):
    @require_roles(*SUPERVISION)
    @blp.arguments(DrawCreateSchema)
    @blp.response(201, DrawSchema)
    def post(self, data):
        """抽取某月回访样本（差评整改回访 ≥20%，全部评价 ≥50 件按五个等级分层加随机；种子保存，可复现）"""
        principal = current_principal()
        office = org_service.get_by_code(data["office_code"]) if data.get("office_code") \
            else principal.user.org_unit
        require_in_scope(office)
        if office.supervises is None:
            raise ValidationError("只有监督部门可以抽取回访样本", field="office_code")
        record = sampling.draw(office, data["month"], actor=principal.label, seed=data.get("seed"))
        db.session.commit()
        return _present_draw(record)


@blp.route("/return-visit-draws/<int:draw_id>")
class DrawDetail(MethodView):
    @require_roles(*SUPERVISION, Role.auditor)
    @blp.response(200, DrawSchema)
    def get(self, draw_id):
        """一次抽样：种子、参数、样本，以及按种子重抽的核对结果"""
        record = db.session.get(ReturnVisitDraw, draw_id)
        if record is None:
            raise NotFoundError("抽样记录不存在")
        require_in_scope(db.session.get(OrgUnit, record.office_id))
        return _present_draw(record)


@blp.route("/return-visits")
class Visits(MethodView):
    @require_roles(*SUPERVISION)
    @blp.response(200, SampleSchema(many=True))
    def get(self):
        """本部门待办的抽样回访"""
        return sampling.open_visits(current_principal())


@blp.route("/return-visits/<int:sample_id>/complete")
class VisitComplete(MethodView):
    @require_roles(*SUPERVISION)
    @blp.arguments(VisitResultSchema)
    @blp.response(200, SampleSchema)
    def post(self, data, sample_id):
        """记录一次抽样回访的结果"""
        sample = sampling.complete(sample_id, data, principal=current_principal())
        db.session.commit()
        return sample


@blp.route("/service-cases/<case_no>/notifications")
class ServiceCaseNotifications(MethodView):
    @require_roles(*CASE_READERS)
    @blp.response(200, NotificationSchema(many=True))
    def get(self, case_no):
        """办件的催评提醒及其发送情况"""
        case = service_case_service.get_by_no(case_no)
        require_in_scope(case.org_unit)
        return reminders.for_service_case(case.id)


@blp.route("/fraud-signals")
class Signals(MethodView):
    @require_roles(*SUPERVISION, Role.auditor)
    @blp.arguments(SignalQuerySchema, location="query")
    @blp.response(200, SignalSchema(many=True))
    def get(self, args):
        """刷评预警（短时多评、同一来源集中好评、集中差评），只提示、不改动任何评价"""
        return fraud.listed(current_principal(), status=args.get("status"))


@blp.route("/fraud-signals/<int:signal_id>/review")
class SignalReview(MethodView):
    @require_roles(*SUPERVISION)
    @blp.arguments(SignalReviewSchema)
    @blp.response(200, SignalSchema)
    def post(self, data, signal_id):
        """核查预警：确认或排除，须填写说明"""
        signal = fraud.review(signal_id, status=data["status"], note=data["note"], principal=current_principal())
        db.session.commit()
        return signal


@blp.route("/points/suggestions")
class AdoptedSuggestions(MethodView):
    @require_roles(*SUPERVISION)
    @blp.arguments(SuggestionSchema)
    @blp.response(201, PointsEntrySchema)
    def post(self, data):
        """采纳评价人的意见建议并记积分"""
        entry = points.award_suggestion(data["evaluation_id"], note=data["note"], principal=current_principal())
        db.session.commit()
        return entry
