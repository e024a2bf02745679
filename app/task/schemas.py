from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.evaluation.schemas import PageMetaSchema
from app.input_rules import InputSchema, Page, PerPage


class TaskQuerySchema(InputSchema):
    task = fields.List(fields.String(validate=validate.Length(max=128)),
                       metadata={"description": "任务标识，如 rectify"})
    category = fields.List(fields.String(validate=validate.OneOf(["simple", "general", "complex"])))
    overdue = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "工单号或办件号"})
    sort = fields.String(load_default="due_at", validate=validate.OneOf(["due_at", "-due_at"]))
    page = Page()
    per_page = PerPage()


class TaskReadSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_no = fields.String()
    task = fields.String()
    name = fields.String()
    lane = fields.String()
    roles = fields.List(fields.String())
    org_code = fields.String()
    org_name = fields.String()
    state = fields.String()
    due_at = fields.DateTime(allow_none=True)
    due_provisional = fields.Boolean()
    working_days_left = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True)
    category = fields.String(allow_none=True)


class TaskDetailSchema(TaskReadSchema):
    form = fields.Dict(metadata={"description": "表单 JSON Schema"})
    case = fields.Dict(metadata={"description": "工单摘要"})
    submitted = fields.Dict(allow_none=True)


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskReadSchema))
    meta = fields.Nested(PageMetaSchema)


class TaskCompleteSchema(InputSchema):
    data = fields.Raw(required=True, metadata={"description": "按表单填写的数据"})
