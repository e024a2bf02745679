from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.evaluation.schemas import EvaluationReadSchema, PageMetaSchema
from app.input_rules import InputSchema, Page, PerPage
from app.task.schemas import TaskReadSchema


class CaseQuerySchema(InputSchema):
    status = fields.List(fields.String(validate=validate.OneOf(["open", "not_adopted", "closed"])))
    category = fields.List(fields.String(validate=validate.OneOf(["simple", "general", "complex"])))
    overdue = fields.Boolean()
    org_code = fields.String()
    received_from = fields.AwareDateTime()
    received_to = fields.AwareDateTime()
    page = Page()
    per_page = PerPage()


class OrgRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class CaseSummarySchema(Schema):
    id = fields.Integer()
    case_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    stage = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    overdue = fields.Boolean()
    received_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    due_provisional = fields.Boolean()
    closed_at = fields.DateTime(allow_none=True)
    responsible_org = fields.Nested(OrgRefSchema)
    service_case_no = fields.String()
    level = fields.Integer()


class CaseDetailSchema(CaseSummarySchema):
    deadlines = fields.Dict(keys=fields.String(), values=fields.String())
    classification = fields.Dict(allow_none=True)
    current_tasks = fields.List(fields.Nested(TaskReadSchema))
    evaluation = fields.Nested(EvaluationReadSchema)
    model = fields.Dict(allow_none=True)


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    meta = fields.Nested(PageMetaSchema)


class HistoryEventSchema(Schema):
    seq = fields.Integer(allow_none=True, metadata={"description": "chain position; null while waiting to be sealed"})
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    subject_type = fields.String()
    payload = fields.Dict()
    hash = fields.String(allow_none=True)
