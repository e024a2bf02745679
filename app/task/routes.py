from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_meta
from app.case import queries as case_queries
from app.db import db
from app.process_model.models import ProcessModel
from app.task import commands, service
from app.task.schemas import TaskCompleteSchema, TaskDetailSchema, TaskPageSchema, TaskQuerySchema, TaskReadSchema
from app.user.auth import authenticate_request, current_principal

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办：签收、核实、整改、审核等人工任务")
blp.before_request(authenticate_request)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, filters):
        """我的待办（按角色和管辖范围）"""
        filters["per_page"] = filters.get("per_page") or current_app.config["API_PAGE_SIZE"]
        rows, total = service.inbox(filters, principal=current_principal())
        return {"items": [service.present(t) for t in rows],
                "meta": page_meta(filters["page"], filters["per_page"], total)}


@blp.route("/<int:task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """任务详情：表单定义与工单摘要"""
        principal = current_principal()
        task = commands.get_visible_task(task_id, principal)
        model = db.session.get(ProcessModel, task.case.process_model_id)
        return {**service.present(task), "form": model.forms.get(task.form, {}), "submitted": task.submitted,
                "case": case_queries.summary(task.case, principal=principal)}


@blp.route("/<int:task_id>/claim")
class TaskClaim(MethodView):
    @blp.response(200, TaskReadSchema)
    def post(self, task_id):
        """认领任务"""
        # The answer is built before the commit, which would expire every row it reads.
        answer = service.present(commands.claim(task_id, principal=current_principal()))
        db.session.commit()
        return answer


@blp.route("/<int:task_id>/unclaim")
class TaskUnclaim(MethodView):
    @blp.response(200, TaskReadSchema)
    def post(self, task_id):
        """释放任务"""
        answer = service.present(commands.claim(task_id, principal=current_principal(), release=True))
        db.session.commit()
        return answer


@blp.route("/<int:task_id>/complete")
class TaskComplete(MethodView):
    @blp.arguments(TaskCompleteSchema)
    @blp.response(200, TaskReadSchema)
    def post(self, payload, task_id):
        """提交任务表单"""
        answer = service.present(commands.complete_task(task_id, payload["data"], principal=current_principal()))
        db.session.commit()
        return answer
