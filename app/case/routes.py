from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_meta
from app.case import queries
from app.case.schemas import CaseDetailSchema, CasePageSchema, CaseQuerySchema, HistoryEventSchema
from app.user.auth import authenticate_request, current_principal, require_roles
from app.user.models import Role

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="差评工单：查询、详情与全过程记录")
blp.before_request(authenticate_request)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor)


@blp.route("")
class Cases(MethodView):
    @require_roles(*READERS)
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, filters):
        """按管辖范围查询差评工单"""
        principal = current_principal()
        filters["per_page"] = filters.get("per_page") or current_app.config["API_PAGE_SIZE"]
        rows, total = queries.search(filters, principal=principal)
        return {"items": [queries.summary(c, principal=principal) for c in rows],
                "meta": page_meta(filters["page"], filters["per_page"], total)}


@blp.route("/<int:case_id>")
class CaseDetail(MethodView):
    @require_roles(*READERS)
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """工单详情"""
        principal = current_principal()
        return queries.detail(queries.get(case_id, principal=principal), principal=principal)


@blp.route("/<int:case_id>/history")
class CaseHistory(MethodView):
    @require_roles(*READERS)
    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, case_id):
        """工单全过程记录（谁、何时、提交了什么、计时器、期限变化、通知）"""
        return queries.history(queries.get(case_id, principal=current_principal()))
