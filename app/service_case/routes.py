from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.db import db
from app.service_case import service
from app.service_case.schemas import ServiceCaseCreateSchema, ServiceCaseReadSchema
from app.user.auth import (
    authenticate_request,
    current_principal,
    require_in_scope,
    require_roles,
)
from app.user.models import Role

blp = Blueprint("service_cases", __name__, url_prefix="/api/v1/service-cases",
                description="办件：由政务服务平台推送，评价以办件为单位")
blp.before_request(authenticate_request)

READERS = (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead, Role.auditor, Role.integration)


@blp.route("")
class ServiceCases(MethodView):
    @require_roles(*service.WRITER_ROLES)
    @blp.arguments(ServiceCaseCreateSchema)
    @blp.response(201, ServiceCaseReadSchema)
    def post(self, data):
        """登记办件"""
        principal = current_principal()
        case = service.create(data, principal=principal)
        db.session.commit()
        return service.present(case, principal=principal)


@blp.route("/<string:case_no>")
class ServiceCaseDetail(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ServiceCaseReadSchema)
    def get(self, case_no):
        """查看办件"""
        principal = current_principal()
        case = service.get_by_no(case_no)
        require_in_scope(case.org_unit)
        return service.present(case, principal=principal)
