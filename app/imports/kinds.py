"""What each kind of import reads and how it writes: the API's schema and header map, who may load it, and
the set-wise write that applies the API's rules to a chunk of rows."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marshmallow import Schema
from sqlalchemy import select

from app.db import db
from app.errors import PermissionDeniedError, ValidationError
from app.evaluation import bulk
from app.evaluation import service as evaluation_service
from app.evaluation.models import LEVEL_LABELS, Evaluation
from app.evaluation.schemas import EVALUATION_HEADERS, EvaluationCreateSchema
from app.imports.models import ImportKind
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.service_case.schemas import SERVICE_CASE_HEADERS, ServiceCaseCreateSchema
from app.user import service as user_service
from app.user.models import Role
from app.user.principal import Principal


@dataclass(frozen=True)
class RowOutcome:
    status: str  # "added" | "present" (already in the system) | "rejected"
    errors: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class Kind:
    name: ImportKind
    noun: str
    schema: type[Schema]
    headers: dict[str, str]
    writer_roles: tuple[Role, ...]
    load: Callable[[list[dict], Principal], list[RowOutcome]]
    labels: dict[str, dict[str, object]] = field(default_factory=dict)  # words a column may hold for a value


def _load_service_cases(rows: list[dict], principal: Principal) -> list[RowOutcome]:
    results = service_case_service.create_many(rows, principal=principal)
    return [RowOutcome("added" if r.status == "created" else r.status, r.errors) for r in results]


def _evaluated(case_numbers: list[str]) -> set[str]:
    """The service cases among ``case_numbers`` that already have their one evaluation."""
    return set(db.session.scalars(
        select(ServiceCase.case_no).join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
        .where(ServiceCase.case_no.in_(case_numbers))))


def _load_evaluations(rows: list[dict], principal: Principal) -> list[RowOutcome]:
    """Rows whose service case is already evaluated (before or earlier in the chunk) are present; the others
    go through the set-wise intake of the batch API."""
    present = _evaluated([r["service_case_no"] for r in rows]) if rows else set()
    fresh_at: dict[int, int] = {}
    for position, data in enumerate(rows):
        if data["service_case_no"] not in present:
            present.add(data["service_case_no"])
            fresh_at[position] = len(fresh_at)
    results = bulk.intake_many([rows[p] for p in fresh_at], principal=principal)
    return [_outcome(results[fresh_at[p]]) if p in fresh_at else RowOutcome("present") for p in range(len(rows))]


def _outcome(result: bulk.ItemResult) -> RowOutcome:
    if result.accepted:
        return RowOutcome("added")
    error = result.error or {}
    if error.get("code") == "conflict":  # evaluated meanwhile by another writer
        return RowOutcome("present")
    return RowOutcome("rejected", error.get("fields") or {"": [error.get("message") or "无法导入该行"]})


KINDS = {
    ImportKind.service_cases: Kind(ImportKind.service_cases, "办件", ServiceCaseCreateSchema, SERVICE_CASE_HEADERS,
                                   service_case_service.WRITER_ROLES, _load_service_cases),
    ImportKind.evaluations: Kind(ImportKind.evaluations, "评价", EvaluationCreateSchema, EVALUATION_HEADERS,
                                 evaluation_service.WRITER_ROLES, _load_evaluations,
                                 labels={"level": {label: level for level, label in LEVEL_LABELS.items()}}),
}


def principal_for(username: str, kind: Kind) -> Principal:
    """The account a load runs as, held to the API's rules: it exists, is active and may write this kind."""
    user = user_service.get_by_username(username)
    if user is None:
        raise ValidationError(f"账号 {username} 不存在", field="--as")
    if not user.active:
        raise PermissionDeniedError(f"账号 {username} 已停用", field="--as")
    principal = Principal.for_user(user)
    if not principal.has_any(*kind.writer_roles):
        roles = "、".join(r.value for r in kind.writer_roles)
        raise PermissionDeniedError(f"账号 {username} 不能导入{kind.noun}：需要以下角色之一：{roles}", field="--as")
    return principal
