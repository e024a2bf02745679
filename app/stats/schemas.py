from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.evaluation.models import EvaluationChannel
from app.input_rules import InputSchema

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM")


class StatsQuerySchema(InputSchema):
    org_code = fields.String(metadata={"description": "机构编码：含其下级；政务服务大厅、窗口按办理窗口统计"})
    window_code = fields.String(metadata={"description": "窗口或大厅编码（大厅：其全部窗口）"})
    item_code = fields.String(metadata={"description": "事项编码"})
    staff_username = fields.String(metadata={"description": "工作人员账号"})
    channel = fields.List(fields.Enum(EvaluationChannel, by_value=True),
                          metadata={"description": "评价渠道（可多选）；办件量不受渠道筛选影响"})
    month = fields.String(validate=MONTH, metadata={"description": "统计月份 YYYY-MM（优先于起止日期）"})
    date_from = fields.Date(metadata={"description": "办结日期起（含，北京时间）；默认本月 1 日"})
    date_to = fields.Date(metadata={"description": "办结日期止（含，北京时间）；默认今天"})


class TrendQuerySchema(StatsQuerySchema):
    months = fields.Integer(load_default=12, validate=validate.Range(min=1, max=36))


class HotspotQuerySchema(StatsQuerySchema):
    top = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class IndicatorSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "rate（0–1 的比率）| count | days"})
    value = fields.Raw(allow_none=True, metadata={"type": "number", "description":
                                                  "比率为 0–1 的小数（四位），件数为整数；分母为 0 时为 null"})
    numerator = fields.Integer()
    denominator = fields.Integer(allow_none=True)


class DefinitionSchema(Schema):
    code = fields.String()
    name = fields.String()
    formula = fields.String()
    kind = fields.String()


class SummarySchema(Schema):
    filter = fields.Dict()
    as_of = fields.String()
    indicators = fields.List(fields.Nested(IndicatorSchema))
    levels = fields.List(fields.Dict(), metadata={"description": "评价等级分布，好评在前"})
    channels = fields.List(fields.Dict(), metadata={"description": "主动评价的渠道构成"})
    not_adopted = fields.Dict(metadata={"description": "不予采纳（单列，不计入各项指标）"})


class TrendMonthSchema(Schema):
    month = fields.String()
    indicators = fields.List(fields.Nested(IndicatorSchema))
    levels = fields.List(fields.Dict())


class UnitFiguresSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    indicators = fields.List(fields.Nested(IndicatorSchema))


class HotspotsSchema(Schema):
    hotspots = fields.Dict(metadata={"description": "item / department / window / staff → 差评集中处"})
    staff_ranking = fields.List(fields.Dict(), metadata={"description": "工作人员排名（差评率高者在前）"})
    low_ranked_staff = fields.List(fields.Dict(), metadata={"description": "连续数月排名靠后的工作人员"})


class SnapshotCreateSchema(InputSchema):
    org_code = fields.String(required=True)
    month = fields.String(required=True, validate=MONTH)


class SnapshotCorrectionSchema(InputSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SnapshotQuerySchema(InputSchema):
    org_code = fields.String(required=True)
    month = fields.String(validate=MONTH)


class SnapshotSchema(Schema):
    id = fields.Integer()
    org_code = fields.String()
    month = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    verified = fields.Boolean()
    created_at = fields.DateTime()
    created_by = fields.String()
    reason = fields.String(allow_none=True)
    figures = fields.Dict()
