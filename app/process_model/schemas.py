from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.input_rules import Id, InputSchema


class ModelProcessSchema(Schema):
    process_id = fields.String()
    deployed_version = fields.Integer(allow_none=True)
    latest_version = fields.Integer(allow_none=True)
    versions = fields.Integer()


class ModelVersionSchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"description": "draft | deployed | retired"})
    checksum = fields.String()
    source = fields.String()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    deployed_at = fields.DateTime(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    validation = fields.Dict(allow_none=True, metadata={"description": "{ok, problems, tests_run, checked_at}"})
    diff_summary = fields.Dict(allow_none=True, metadata={
        "description": "与上一版本相比：tasks_added / tasks_removed / tasks_changed / limits_changed / forms_changed"
                       " / parameters_changed"})


class ModelVersionDetailSchema(ModelVersionSchema):
    forms = fields.Dict()
    test_cases = fields.Dict(allow_none=True)
    limits = fields.Dict(metadata={"description": "模型脚本中以常量给出的数值"})
    parameters = fields.Dict(metadata={"description": "时限参数（模型 init 任务的 parameter: 属性）：名称 → 数值"})


class ModelUploadSchema(InputSchema):
    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))
    forms = fields.Dict(load_default=None, metadata={"description": "表单名 → JSON Schema；省略则沿用最新版本的表单"})
    test_cases = fields.Dict(load_default=None, metadata={
        "description": "{\"cases\": […]}，格式同 bpmn/<model>.test.json；省略则沿用最新版本的测试用例"})
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))
    deploy = fields.Boolean(load_default=False)


class ValidationResultSchema(Schema):
    ok = fields.Boolean()
    problems = fields.List(fields.Dict(), metadata={"description": "[{element, line, message}]"})
    tests_run = fields.Integer()
    checked_at = fields.String()


class MigrationCandidateSchema(Schema):
    case_id = fields.Integer()
    case_no = fields.String()
    stage = fields.String(allow_none=True)
    from_version = fields.Integer()
    movable = fields.Boolean()
    reasons = fields.List(fields.String())
    changed_tasks = fields.List(fields.String())
    advice = fields.String(allow_none=True, metadata={"description": "不能迁移时，管理员可以怎么做"})


class MigrateRequestSchema(InputSchema):
    case_ids = fields.List(Id(), load_default=None,
                           metadata={"description": "要迁移的工单；省略则迁移全部可迁移的工单"})


class MigrateResultSchema(Schema):
    moved = fields.List(fields.Dict())
    refused = fields.List(fields.Dict())
