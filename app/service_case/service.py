"""Registering service cases (办件) pushed by the service platforms, and reading them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from app import audit
from app.clock import now
from app.db import db
from app.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.org.models import OrgLevel, OrgUnit
from app.privacy import keyring, mask_certificate, mask_name, mask_phone
from app.service_case.models import ServiceCase, ServiceItem
from app.user.models import Role, User
from app.user.principal import Principal

# Who may register service cases: the service platforms' integration accounts (API and bulk import alike).
WRITER_ROLES = (Role.integration,)


def find_by_no(case_no: str) -> ServiceCase | None:
    return db.session.scalar(select(ServiceCase).where(ServiceCase.case_no == case_no))


def get_by_no(case_no: str) -> ServiceCase:
    case = find_by_no(case_no)
    if case is None:
        raise NotFoundError(f"办件 {case_no} 不存在")
    return case


def find_item(code: str) -> ServiceItem | None:
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))


@dataclass
class References:
    """The items, org units and staff accounts a set of service cases names, one query per table."""

    items: dict[str, ServiceItem]
    units: dict[str, OrgUnit]
    staff: dict[str, User]

    @classmethod
    def load(cls, rows: list[dict]) -> References:
        item_codes = {r["item_code"] for r in rows}
        unit_codes = {r["org_code"] for r in rows} | {r["window_code"] for r in rows if r.get("window_code")}
        usernames = {r["staff_username"] for r in rows if r.get("staff_username")}
        items = db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(item_codes))).all()
        units = db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(unit_codes))).all() if unit_codes else []
        staff = db.session.scalars(select(User).where(User.username.in_(usernames))).all() if usernames else []
        return cls({i.code: i for i in items}, {u.code: u for u in units}, {u.username: u for u in staff})


def _reference_errors(data: dict, refs: References) -> dict[str, list[str]]:
    """Every problem with what a service case names, by field."""
    errors: dict[str, list[str]] = {}
    org = refs.units.get(data["org_code"])
    if data["item_code"] not in refs.items:
        errors["item_code"] = ["事项编码不存在"]
    if org is None:
        errors["org_code"] = ["机构编码不存在"]
    if data.get("window_code"):
        window = refs.units.get(data["window_code"])
        if window is None or window.level != OrgLevel.window:
            errors["window_code"] = ["窗口编码不存在"]
        elif org is not None and not window.is_within(org) and not window.is_within(org.parent or org):
            errors["window_code"] = ["窗口不属于该办理单位所在大厅"]
    if data.get("staff_username") and data["staff_username"] not in refs.staff:
        errors["staff_username"] = ["工作人员账号不存在"]
    return errors


def _timing_errors(data: dict) -> dict[str, list[str]]:
    finished = data.get("finished_at")
    if finished is None:
        return {}
    if finished < data["accepted_at"]:
        return {"finished_at": ["办结时间早于受理时间"]}
    if finished > now():
        return {"finished_at": ["办结时间晚于当前时间"]}
    return {}


def _check(data: dict, refs: References, principal: Principal) -> None:
    """Raises the error the API answers for a service case that cannot be registered as given."""
    errors = _reference_errors(data, refs) | _timing_errors(data)
    if errors:
        raise ValidationError("办件信息无效", fields=errors)
    if not principal.can_see(refs.units[data["org_code"]]):
        raise PermissionDeniedError("该办理单位不在本令牌的接入范围内", field="org_code")


def _row(data: dict, refs: References, created_at) -> dict:
    phone, window, staff = data.get("applicant_phone"), data.get("window_code"), data.get("staff_username")
    return {
        "case_no": data["case_no"], "item_id": refs.items[data["item_code"]].id,
        "org_unit_id": refs.units[data["org_code"]].id, "window_id": refs.units[window].id if window else None,
        "staff_id": refs.staff[staff].id if staff else None, "channel": data["channel"],
        "applicant_kind": data["applicant_kind"], "applicant_name": data["applicant_name"],
        "applicant_phone": phone, "applicant_cert_no": data.get("applicant_cert_no"),
        "applicant_phone_hash": keyring.lookup_hash(phone) if phone else None,
        "accepted_at": data["accepted_at"], "finished_at": data.get("finished_at"), "created_at": created_at,
    }


def _created_event(data: dict, case_id: int, actor: str) -> dict:
    finished = data.get("finished_at")
    return {"actor": actor, "action": "service_case.created", "subject_type": "service_case",
            "subject_id": case_id, "payload": {"case_no": data["case_no"], "item": data["item_code"],
                                               "org_unit": data["org_code"],
                                               "finished_at": finished.isoformat() if finished else None}}


def create(data: dict, *, principal: Principal) -> ServiceCase:
    refs = References.load([data])
    _check(data, refs, principal)
    if find_by_no(data["case_no"]) is not None:
        raise ConflictError(f"办件 {data['case_no']} 已存在", field="case_no")
    case = ServiceCase(**_row(data, refs, now()))
    db.session.add(case)
    db.session.flush()
    audit.record(**_created_event(data, case.id, principal.label))
    return case


@dataclass(frozen=True)
class RowResult:
    """What became of one service case of a bulk registration."""

    status: str  # "created" | "present" (the case number is already registered) | "rejected"
    id: int | None = None
    errors: dict[str, list[str]] | None = None


def create_many(rows: list[dict], *, principal: Principal) -> list[RowResult]:
    """Registers validated service cases set-wise (one query per table, one insert, one audit write) under
    the same rules as ``create``. A case number already registered, or repeated in ``rows``, is "present"."""
    refs = References.load(rows) if rows else References({}, {}, {})
    numbers = [r["case_no"] for r in rows]
    seen = set(db.session.scalars(select(ServiceCase.case_no).where(ServiceCase.case_no.in_(numbers)))) \
        if rows else set()
    results: list[RowResult | None] = []
    fresh: list[dict] = []
    for data in rows:
        try:
            _check(data, refs, principal)
        except DomainError as err:
            results.append(RowResult("rejected", errors=err.fields))
            continue
        if data["case_no"] in seen:
            results.append(RowResult("present"))
            continue
        seen.add(data["case_no"])
        results.append(None)
        fresh.append(data)
    ids = _insert(fresh, refs, principal)
    return [r or RowResult("created", id=ids[data["case_no"]]) for r, data in zip(results, rows, strict=True)]


def _insert(fresh: list[dict], refs: References, principal: Principal) -> dict[str, int]:
    if not fresh:
        return {}
    created_at = now()
    # A plain executemany, then the ids by case number: on PostgreSQL an INSERT … RETURNING of many rows
    # costs several times the insert itself.
    db.session.execute(insert(ServiceCase.__table__), [_row(data, refs, created_at) for data in fresh])
    numbers = [data["case_no"] for data in fresh]
    ids = {case_no: case_id for case_no, case_id in db.session.execute(
        select(ServiceCase.case_no, ServiceCase.id).where(ServiceCase.case_no.in_(numbers)))}
    audit.record_many([_created_event(data, ids[data["case_no"]], principal.label) for data in fresh])
    return ids


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
