"""Registering service cases (办件) pushed by the service platforms, and reading them."""
from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.clock import now
from app.db import db
from app.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.org import service as org_service
from app.org.models import OrgLevel
from app.privacy import keyring, mask_certificate, mask_name, mask_phone
from app.service_case.models import ServiceCase, ServiceItem
from app.user import service as user_service
from app.user.principal import Principal


def find_by_no(case_no: str) -> ServiceCase | None:
    return db.session.scalar(select(ServiceCase).where(ServiceCase.case_no == case_no))


def get_by_no(case_no: str) -> ServiceCase:
    case = find_by_no(case_no)
    if case is None:
        raise NotFoundError(f"办件 {case_no} 不存在")
    return case


def find_item(code: str) -> ServiceItem | None:
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))


def _resolve_references(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Looks up the item, units and staff a service case names; collects every problem by field."""
    errors: dict[str, list[str]] = {}
    refs = {"item": find_item(data["item_code"]), "org": org_service.find_by_code(data["org_code"]),
            "window": None, "staff": None}
    if refs["item"] is None:
        errors["item_code"] = ["事项编码不存在"]
    if refs["org"] is None:
        errors["org_code"] = ["机构编码不存在"]
    if data.get("window_code"):
        window = refs["window"] = org_service.find_by_code(data["window_code"])
        org = refs["org"]
        if window is None or window.level != OrgLevel.window:
            errors["window_code"] = ["窗口编码不存在"]
        elif org is not None and not window.is_within(org) and not window.is_within(org.parent or org):
            errors["window_code"] = ["窗口不属于该办理单位所在大厅"]
    if data.get("staff_username"):
        refs["staff"] = user_service.get_by_username(data["staff_username"])
        if refs["staff"] is None:
            errors["staff_username"] = ["工作人员账号不存在"]
    return refs, errors


def _timing_errors(data: dict) -> dict[str, list[str]]:
    finished = data.get("finished_at")
    if finished is None:
        return {}
    if finished < data["accepted_at"]:
        return {"finished_at": ["办结时间早于受理时间"]}
    if finished > now():
        return {"finished_at": ["办结时间晚于当前时间"]}
    return {}


def create(data: dict, *, principal: Principal) -> ServiceCase:
    refs, errors = _resolve_references(data)
    errors.update(_timing_errors(data))
    if errors:
        raise ValidationError("办件信息无效", fields=errors)
    item, org, window, staff = refs["item"], refs["org"], refs["window"], refs["staff"]
    finished = data.get("finished_at")
    if not principal.can_see(org):
        raise PermissionDeniedError("该办理单位不在本令牌的接入范围内")
    if find_by_no(data["case_no"]) is not None:
        raise ConflictError(f"办件 {data['case_no']} 已存在", field="case_no")
    case = ServiceCase(
        case_no=data["case_no"], item=item, org_unit=org, window=window, staff=staff,
        channel=data["channel"], applicant_kind=data["applicant_kind"],
        applicant_name=data["applicant_name"], applicant_phone=data.get("applicant_phone"),
        applicant_cert_no=data.get("applicant_cert_no"),
        applicant_phone_hash=keyring.lookup_hash(data["applicant_phone"]) if data.get("applicant_phone") else None,
        accepted_at=data["accepted_at"], finished_at=finished, created_at=now(),
    )
    db.session.add(case)
    db.session.flush()
    audit.record(actor=principal.label, action="service_case.created", subject_type="service_case",
                 subject_id=case.id, payload={"case_no": case.case_no, "item": item.code, "org_unit": org.code,
                                              "finished_at": finished.isoformat() if finished else None})
    return case


def present(case: ServiceCase, *, principal: Principal) -> dict:
    """The service case as the caller may see it: contact data masked unless their role needs it."""
    visible = principal.sees_contact_data
    return {
        "case_no": case.case_no,
        "item_code": case.item.code,
        "item_name": case.item.name,
        "org_code": case.org_unit.code,
        "org_name": case.org_unit.name,
        "window_code": case.window.code if case.window else None,
        "staff_username": case.staff.username if case.staff else None,
        "channel": case.channel,
        "applicant_kind": case.applicant_kind,
        "applicant_name": case.applicant_name if visible else mask_name(case.applicant_name),
        "applicant_phone": case.applicant_phone if visible else mask_phone(case.applicant_phone),
        "applicant_cert_no": case.applicant_cert_no if visible else mask_certificate(case.applicant_cert_no),
        "accepted_at": case.accepted_at,
        "finished_at": case.finished_at,
    }
