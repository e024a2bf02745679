from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_meta
from app.db import db
from app.evaluation import bulk, service
from app.evaluation.schemas import (
    BatchResultSchema,
    EvaluationBatchSchema,
    EvaluationCreateSchema,
    EvaluationPageSchema,
    EvaluationQuerySchema,
    EvaluationReadSchema,
)
from app.user.auth import authenticate_request, current_principal, require_roles
from app.user.models import Role

blp = Blueprint("evaluations", __name__, url_prefix="/api/v1/evaluations",
                description="评价：各渠道评价数据的接入与查询；差评自动生成差评工单")
blp.before_request(authenticate_request)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor, Role.integration)


@blp.route("")
class Evaluations(MethodView):
    @require_roles(*service.WRITER_ROLES)
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(201, EvaluationReadSchema)
    def post(self, data):
        """接收一条评价（差评同时生成差评工单）"""
        principal = current_principal()
        evaluation = service.create(data, principal=principal)
        db.session.commit()
        return service.present(evaluation, principal=principal)

    @require_roles(*READERS)
    @blp.arguments(EvaluationQuerySchema, location="query")
    @blp.response(200, EvaluationPageSchema)
    def get(self, filters):
        """按管辖范围查询评价"""
        principal = current_principal()
        filters["per_page"] = filters.get("per_page") or current_app.config["API_PAGE_SIZE"]
        rows, total = service.search(filters, principal=principal)
        return {
            "items": [service.present(e, principal=principal) for e in rows],
            "meta": page_meta(filters["page"], filters["per_page"], total),
        }


@blp.route("/batch")
class EvaluationBatch(MethodView):
    @require_roles(Role.integration)
    @blp.arguments(EvaluationBatchSchema)
    @blp.response(200, BatchResultSchema)
    def post(self, data):
        """批量接收评价（最多 1000 条，逐条返回结果，有效条目不受无效条目影响）"""
        outcome = bulk.create_batch(data["items"], principal=current_principal())
        db.session.commit()
        return {"accepted": outcome.accepted, "rejected": outcome.rejected, "results": outcome.results}


@blp.route("/<int:evaluation_id>")
class EvaluationDetail(MethodView):
    @require_roles(*READERS)
    @blp.response(200, EvaluationReadSchema)
    def get(self, evaluation_id):
        """查看一条评价"""
        principal = current_principal()
        return service.present(service.get(evaluation_id, principal=principal), principal=principal)
