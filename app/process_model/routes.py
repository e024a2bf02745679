"""REST API of the model registry: versions, upload, validation, deployment, retirement, case migration.

Upload either as JSON (``bpmn_xml`` text plus optional ``forms``/``test_cases``) or as a multipart file
(``POST …/versions/file``: ``file``, optional ``forms`` and ``test_cases`` JSON files, ``comment``).
"""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.case import migration
from app.db import db
from app.errors import NotFoundError, ValidationError
from app.process_model import versions
from app.process_model.schemas import (
    MigrateRequestSchema,
    MigrateResultSchema,
    MigrationCandidateSchema,
    ModelProcessSchema,
    ModelUploadSchema,
    ModelVersionDetailSchema,
    ModelVersionSchema,
    ValidationResultSchema,
)
from app.request_limits import parse_json
from app.user.auth import authenticate_request, current_principal, require_roles
from app.user.models import Role
from app.workflow.xmlsafe import MAX_XML_BYTES

blp = Blueprint("models", __name__, url_prefix="/api/v1/models",
                description="流程模型：版本、上传、校验、部署、停用与运行中工单的迁移")
blp.before_request(authenticate_request)

READERS = (Role.policy_admin, Role.auditor)
EDITORS = (Role.policy_admin,)
MAX_JSON_FILE = 1_000_000


def _known(process_id: str) -> str:
    if process_id not in versions.process_ids():
        raise NotFoundError(f"流程模型 {process_id} 不存在")
    return process_id


@blp.route("")
class Models(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ModelProcessSchema(many=True))
    def get(self):
        """流程模型列表（含部署版本与最新版本号）"""
        return versions.overview()


@blp.route("/<process_id>/versions")
class ModelVersions(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ModelVersionSchema(many=True))
    def get(self, process_id):
        """某流程的全部版本（新版本在前）"""
        return [versions.present(m) for m in versions.all_versions(_known(process_id))]

    @require_roles(*EDITORS)
    @blp.arguments(ModelUploadSchema)
    @blp.response(201, ModelVersionDetailSchema)
    def post(self, body, process_id):
        """上传新版本（JSON）：校验全部通过才保存，默认为草稿；校验问题一次全部返回（422）"""
        principal = current_principal()
        model = versions.add_upload(process_id=_known(process_id), bpmn_xml=body["bpmn_xml"], forms=body["forms"],
                                    test_cases=body["test_cases"], comment=body["comment"], actor=principal.label,
                                    actor_id=principal.user.id, source="api", deploy=body["deploy"])
        db.session.commit()
        return versions.present(model, detail=True)


@blp.route("/<process_id>/versions/file")
class ModelVersionFile(MethodView):
    @require_roles(*EDITORS)
    @blp.response(201, ModelVersionDetailSchema)
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "forms": {"type": "string", "format": "binary"},
        "test_cases": {"type": "string", "format": "binary"}, "comment": {"type": "string"},
        "deploy": {"type": "boolean"}}, "required": ["file"]}}}})
    def post(self, process_id):
        """上传新版本（BPMN 文件，可附表单与测试用例 JSON 文件）"""
        principal = current_principal()
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError("缺少 BPMN 文件", field="file")
        model = versions.add_upload(
            process_id=_known(process_id), bpmn_xml=upload.read(MAX_XML_BYTES + 1),
            forms=_json_file("forms"), test_cases=_json_file("test_cases"), comment=request.form.get("comment"),
            actor=principal.label, actor_id=principal.user.id, source=f"upload:{upload.filename or 'model.bpmn'}"[:255],
            deploy=request.form.get("deploy") in {"1", "true", "on"})
        db.session.commit()
        return versions.present(model, detail=True)


def _json_file(name: str):
    upload = request.files.get(name)
    if upload is None:
        return None
    try:
        value = parse_json(upload.read(MAX_JSON_FILE + 1))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("不是有效的 JSON 文件", field=name) from None
    if not isinstance(value, dict):
        raise ValidationError("必须是 JSON 对象", field=name)
    return value


@blp.route("/<process_id>/validate")
class ModelValidate(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(ModelUploadSchema)
    @blp.response(200, ValidationResultSchema)
    def post(self, body, process_id):
        """只校验、不保存：返回全部问题"""
        return versions.check_upload(process_id=_known(process_id), bpmn_xml=body["bpmn_xml"], forms=body["forms"],
                                     test_cases=body["test_cases"])


@blp.route("/<process_id>/versions/<int:version>")
class ModelVersion(MethodView):
    @require_roles(*READERS)
    @blp.response(200, ModelVersionDetailSchema)
    def get(self, process_id, version):
        """版本详情：表单、测试用例、时限参数、校验结果与差异摘要"""
        return versions.present(versions.get_version(process_id, version), detail=True)


@blp.route("/<process_id>/versions/<int:version>/bpmn")
class ModelVersionXml(MethodView):
    @require_roles(*READERS)
    def get(self, process_id, version):
        """下载该版本的 BPMN 文件"""
        model = versions.get_version(process_id, version)
        return Response(model.bpmn_xml, mimetype="application/xml", headers={
            "Content-Disposition": f'attachment; filename="{model.process_id}-v{model.version}.bpmn"',
            "Content-Security-Policy": "default-src 'none'; sandbox"})


@blp.route("/<process_id>/versions/<int:version>/validate")
class ModelVersionValidate(MethodView):
    @require_roles(*EDITORS)
    @blp.response(200, ValidationResultSchema)
    def post(self, process_id, version):
        """重新校验已保存的版本并记录结果"""
        result = versions.revalidate(versions.get_version(process_id, version), actor=current_principal().label)
        db.session.commit()
        return result


@blp.route("/<process_id>/versions/<int:version>/deploy")
class ModelVersionDeploy(MethodView):
    @require_roles(*EDITORS)
    @blp.response(200, ModelVersionSchema)
    def post(self, process_id, version):
        """部署：新工单使用该版本，运行中的工单留在原版本"""
        model = versions.deploy(versions.get_version(process_id, version), actor=current_principal().label)
        db.session.commit()
        return versions.present(model)


@blp.route("/<process_id>/versions/<int:version>/retire")
class ModelVersionRetire(MethodView):
    @require_roles(*EDITORS)
    @blp.response(200, ModelVersionSchema)
    def post(self, process_id, version):
        """停用草稿或旧版本（部署版本须先部署另一版本替换）"""
        model = versions.retire(versions.get_version(process_id, version), actor=current_principal().label)
        db.session.commit()
        return versions.present(model)


@blp.route("/<process_id>/versions/<int:version>/migration-preview")
class ModelMigrationPreview(MethodView):
    @require_roles(*EDITORS)
    @blp.response(200, MigrationCandidateSchema(many=True))
    def get(self, process_id, version):
        """预览：哪些运行中的工单可以迁移到该版本，哪些不能及原因"""
        return migration.preview(versions.get_version(process_id, version))


@blp.route("/<process_id>/versions/<int:version>/migrate")
class ModelMigrate(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(MigrateRequestSchema)
    @blp.response(200, MigrateResultSchema)
    def post(self, body, process_id, version):
        """把运行中的工单迁移到该（已部署）版本；不能迁移的工单保持不变并说明原因"""
        result = migration.migrate(versions.get_version(process_id, version), case_ids=body["case_ids"],
                                   actor=current_principal().label)
        db.session.commit()
        return result
