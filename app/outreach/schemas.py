from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.input_rules import Id, InputSchema
from app.stats.schemas import MONTH


class DrawCreateSchema(InputSchema):
    office_code = fields.String(metadata={"description": "监督部门编码；默认为调用者所在监督部门"})
    month = fields.String(required=True, validate=MONTH)
    seed = fields.Integer(validate=validate.Range(min=0, max=2**62),
                          metadata={"description": "随机种子（省略则随机生成并保存）"})


class SampleSchema(Schema):
    id = fields.Integer()
    evaluation_id = fields.Integer()
    stratum = fields.String(metadata={"description": "rectification | level_1…level_5 | random"})
    case_id = fields.Integer(allow_none=True)
    state = fields.String()
    due_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    result = fields.Dict(allow_none=True)
    service_case_no = fields.String(attribute="evaluation.service_case.case_no")
    level = fields.Integer(attribute="evaluation.level")


class DrawSchema(Schema):
    id = fields.Integer()
    month = fields.String()
    seed = fields.Integer()
    params = fields.Dict()
    counts = fields.Dict()
    created_at = fields.DateTime()
    created_by = fields.String()
    verified = fields.Boolean()
    samples = fields.List(fields.Nested(SampleSchema))


class VisitResultSchema(InputSchema):
    reached = fields.Boolean(required=True)
    satisfaction = fields.String(validate=validate.OneOf(("satisfied", "basically_satisfied", "unsatisfied")))
    rating_confirmed = fields.Boolean(metadata={"description": "评价人确认原评价属实"})
    note = fields.String(validate=validate.Length(max=500))


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    channel = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivery = fields.Dict(allow_none=True)


class SignalSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject_label = fields.String()
    window_start = fields.DateTime()
    window_end = fields.DateTime()
    count = fields.Integer()
    evaluation_ids = fields.List(fields.Integer())
    status = fields.String()
    reviewed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class SignalReviewSchema(InputSchema):
    status = fields.String(required=True, validate=validate.OneOf(("confirmed", "dismissed")))
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SuggestionSchema(InputSchema):
    evaluation_id = Id(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class SignalQuerySchema(InputSchema):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "confirmed", "dismissed")))


class PointsEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    reference = fields.String()
    points = fields.Integer()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
