from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.evaluation.models import EvaluationChannel
from app.input_rules import InputSchema, Page, PerPage


class EvaluationCreateSchema(InputSchema):
    service_case_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.Integer(required=True, strict=True,
                           validate=validate.Range(min=1, max=5, error="评价等级必须为 1–5"))
    channel = fields.Enum(EvaluationChannel, required=True, by_value=True,
                          error_messages={"unknown": "未知评价渠道，可选：{choices}"})
    comment = fields.String(load_default=None, allow_none=True)
    evaluated_at = fields.AwareDateTime(required=True)
    real_name = fields.Boolean(required=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=list)
    # Where the evaluator rated from, as the integrating system saw it; kept only for fraud signals. The
    # address of the integrating system itself is never used: every evaluation it forwards shares it.
    device_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
                              metadata={"description": "评价人所用设备标识（手机、小程序实例等），用于刷评预警"})
    client_address = fields.IP(load_default=None, allow_none=True,
                               metadata={"description": "评价人的网络地址（接入系统所见），用于刷评预警"})

    @validates("comment")
    def _comment_length(self, value, **_):
        limit = current_app.config["COMMENT_MAX_LENGTH"]
        if value is not None and len(value) > limit:
            raise ValidationError(f"评价内容不能超过 {limit} 字")

    @validates("reasons")
    def _reasons_count(self, value, **_):
        limit = current_app.config["REASON_MAX_COUNT"]
        if len(value) > limit:
            raise ValidationError(f"评价原因最多 {limit} 项")


# The column headers a department's spreadsheet uses for EvaluationCreateSchema's fields: a bulk import
# (CSV, XLSX) accepts these or the field names themselves.
EVALUATION_HEADERS = {
    "办件编号": "service_case_no", "办件号": "service_case_no", "受理编号": "service_case_no",
    "评价等级": "level", "评价结果": "level", "满意度": "level",
    "评价渠道": "channel", "评价方式": "channel",
    "评价内容": "comment", "评价意见": "comment",
    "评价时间": "evaluated_at",
    "是否实名": "real_name", "实名评价": "real_name",
    "评价原因": "reasons", "差评原因": "reasons",
    "设备标识": "device_id", "评价设备": "device_id",
    "评价人网络地址": "client_address", "IP地址": "client_address",
}


class EvaluationBatchSchema(InputSchema):
    UNCHECKED = ("items",)
    # Items stay raw here: each one is validated on its own so one bad row cannot sink the batch.
    items = fields.List(fields.Raw(), required=True)

    @validates("items")
    def _batch_size(self, value, **_):
        limit = current_app.config["BATCH_MAX_ITEMS"]
        if not value:
            raise ValidationError("items 不能为空")
        if len(value) > limit:
            raise ValidationError(f"每批最多 {limit} 条")


class EvaluationReadSchema(Schema):
    id = fields.Integer()
    service_case_no = fields.String(attribute="service_case.case_no")
    org_code = fields.String(attribute="service_case.org_unit.code")
    org_name = fields.String(attribute="service_case.org_unit.name")
    item_code = fields.String(attribute="service_case.item.code")
    item_name = fields.String(attribute="service_case.item.name")
    level = fields.Integer()
    level_label = fields.String()
    is_bad = fields.Boolean()
    channel = fields.String()
    real_name = fields.Boolean()
    comment = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    evaluated_at = fields.DateTime()
    received_at = fields.DateTime()
    source = fields.String()
    adopted = fields.Boolean()
    adoption_reason = fields.String(allow_none=True)
    evaluator = fields.Dict(allow_none=True, metadata={"description": "评价人（按角色脱敏）；匿名评价为 null"})
    bad_review_case_id = fields.Integer(allow_none=True)


class EvaluationCreatedSchema(EvaluationReadSchema):
    pass


class EvaluationQuerySchema(InputSchema):
    org_code = fields.String(metadata={"description": "机构编码：含其下级"})
    level = fields.List(fields.Integer(validate=validate.Range(min=1, max=5)))
    channel = fields.List(fields.Enum(EvaluationChannel, by_value=True))
    bad = fields.Boolean()
    evaluated_from = fields.AwareDateTime()
    evaluated_to = fields.AwareDateTime()
    page = Page()
    per_page = PerPage()


class PageMetaSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class EvaluationPageSchema(Schema):
    items = fields.List(fields.Nested(EvaluationReadSchema))
    meta = fields.Nested(PageMetaSchema)


class BatchItemResultSchema(Schema):
    index = fields.Integer()
    status = fields.String(metadata={"description": "accepted | rejected"})
    evaluation_id = fields.Integer(allow_none=True)
    bad_review_case_id = fields.Integer(allow_none=True)
    error = fields.Dict(allow_none=True)


class BatchResultSchema(Schema):
    accepted = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(BatchItemResultSchema))
