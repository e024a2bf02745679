from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.input_rules import InputSchema
from app.service_case.models import ApplicantKind, ServiceChannel


class ServiceCaseCreateSchema(InputSchema):
    case_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    org_code = fields.String(required=True, metadata={"description": "办理单位（责任部门）机构编码"})
    window_code = fields.String(load_default=None, allow_none=True)
    staff_username = fields.String(load_default=None, allow_none=True)
    channel = fields.Enum(ServiceChannel, required=True, by_value=True)
    applicant_kind = fields.Enum(ApplicantKind, required=True, by_value=True)
    applicant_name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    applicant_phone = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Regexp(r"^\+?[0-9\-]{5,20}$", error="电话号码格式无效"))
    applicant_cert_no = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Regexp(r"^[0-9A-Za-z\-]{6,32}$", error="证件号码格式无效"))
    accepted_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(load_default=None, allow_none=True)


# The column headers a department's spreadsheet uses for ServiceCaseCreateSchema's fields: a bulk import
# (CSV, XLSX) accepts these or the field names themselves.
SERVICE_CASE_HEADERS = {
    "办件编号": "case_no", "办件号": "case_no", "受理编号": "case_no",
    "事项编码": "item_code", "事项编号": "item_code",
    "办理单位编码": "org_code", "办理部门编码": "org_code", "机构编码": "org_code",
    "窗口编码": "window_code", "窗口编号": "window_code",
    "工作人员账号": "staff_username", "经办人账号": "staff_username",
    "办理渠道": "channel", "办理方式": "channel",
    "申请人类型": "applicant_kind",
    "申请人姓名": "applicant_name", "申请人名称": "applicant_name", "申请人": "applicant_name",
    "申请人电话": "applicant_phone", "联系电话": "applicant_phone", "手机号码": "applicant_phone",
    "申请人证件号码": "applicant_cert_no", "证件号码": "applicant_cert_no",
    "受理时间": "accepted_at",
    "办结时间": "finished_at",
}


class ServiceCaseReadSchema(Schema):
    case_no = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    org_code = fields.String()
    org_name = fields.String()
    window_code = fields.String(allow_none=True)
    staff_username = fields.String(allow_none=True)
    channel = fields.String()
    applicant_kind = fields.String()
    applicant_name = fields.String()
    applicant_phone = fields.String(allow_none=True)
    applicant_cert_no = fields.String(allow_none=True)
    accepted_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
