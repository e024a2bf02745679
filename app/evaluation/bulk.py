"""Taking in many evaluations at once: the batch endpoint and file imports.

Every item gets the checks of a single intake (``service.create``) and its own answer; a refused item
never holds back the others. The reads and writes are set-wise: one query for the service cases of the
batch, one for their existing evaluations, one INSERT per table, and the bad reviews' cases opened
together (``app.case.opening``). Should a write still fail (another request took a service case in the
meantime, or the process model fails to start), the set-wise attempt is rolled back and the items are
taken in one by one, each in its own savepoint, exactly as a single intake would answer them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError as SchemaError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.case import opening
from app.case.opening import NewCase, open_many
from app.clock import now
from app.db import db, reserve_ids
from app.errors import ConflictError, DomainError, PermissionDeniedError, ValidationError
from app.evaluation import service
from app.evaluation.models import BAD_LEVELS, Evaluation
from app.evaluation.schemas import EvaluationCreateSchema
from app.org.models import OrgUnit
from app.outreach import fraud
from app.service_case.models import ServiceCase
from app.user.principal import Principal

LOOKUP_CHUNK = 5000  # bound parameters per IN list, well inside every database's limit


@dataclass
class ItemResult:
    """The answer for one item: accepted with its ids, or rejected with the error a single intake gives."""

    index: int
    status: str = "rejected"
    evaluation_id: int | None = None
    bad_review_case_id: int | None = None
    error: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def refuse(self, err: DomainError) -> None:
        self.error = {"code": err.code, "message": err.message, "fields": err.fields}

    def as_dict(self) -> dict[str, Any]:
        answer = {"index": self.index, "status": self.status, "evaluation_id": self.evaluation_id,
                  "bad_review_case_id": self.bad_review_case_id}
        if self.error is not None:
            answer["error"] = self.error
        return answer


@dataclass(frozen=True)
class _CaseRef:
    """What the checks read of a service case (the window rules read ``finished_at``)."""

    id: int
    case_no: str
    finished_at: datetime | None
    org_unit: OrgUnit


@dataclass
class _Accepted:
    result: ItemResult
    data: dict[str, Any]
    case: _CaseRef


def intake_many(rows: list[dict[str, Any]], *, principal: Principal) -> list[ItemResult]:
    """Takes in evaluations already loaded by ``EvaluationCreateSchema``; one result per row, in order
    (``index`` is the row's position). Flushes, never commits: the caller owns the transaction."""
    results = [ItemResult(index) for index in range(len(rows))]
    accepted = _check_all(rows, results, principal)
    if any(item.data["level"] in BAD_LEVELS for item in accepted):
        opening.process_model()  # a first deployment is kept even if the set-wise write is rolled back
    try:
        with db.session.begin_nested():
            _write(accepted, principal)
    except (IntegrityError, DomainError):
        return _one_by_one(rows, principal)
    return results


def _check_all(rows: list[dict], results: list[ItemResult], principal: Principal) -> list[_Accepted]:
    cases = _service_cases({row["service_case_no"] for row in rows})
    taken = _evaluated({case.id for case in cases.values()})
    allowed: dict[Any, DomainError | None] = {}
    rules = service.TimingRules.current()
    accepted = []
    for row, result in zip(rows, results, strict=True):
        try:
            case = _check(row, cases, taken, allowed, rules, principal)
        except DomainError as err:
            result.refuse(err)
            continue
        taken.add(case.id)
        accepted.append(_Accepted(result, row, case))
    return accepted


def _check(row: dict, cases: dict[str, _CaseRef], taken: set[int], allowed: dict, rules: service.TimingRules,
           principal: Principal) -> _CaseRef:
    """The checks of ``service.create``, in its order, on rows read beforehand."""
    channel = row["channel"]
    if channel not in allowed:
        allowed[channel] = _refusal(service.check_channel_allowed, principal, channel)
    if allowed[channel] is not None:
        raise allowed[channel]
    case = cases.get(row["service_case_no"])
    if case is None:
        raise ValidationError("办件不存在", field="service_case_no")
    if not principal.can_see(case.org_unit):
        raise PermissionDeniedError("该办件不在您的接入或管辖范围内")
    service.check_timing(case, row["evaluated_at"], rules)
    if case.id in taken:
        raise ConflictError(service.ALREADY_EVALUATED, field="service_case_no")
    return case


def _refusal(check, *args) -> DomainError | None:
    try:
        check(*args)
    except DomainError as err:
        return err
    return None


def _service_cases(case_nos: set[str]) -> dict[str, _CaseRef]:
    found: dict[str, _CaseRef] = {}
    for chunk in _chunks(sorted(case_nos)):
        query = (select(ServiceCase.id, ServiceCase.case_no, ServiceCase.finished_at, OrgUnit)
                 .join(OrgUnit, OrgUnit.id == ServiceCase.org_unit_id).where(ServiceCase.case_no.in_(chunk)))
        found.update((row.case_no, _CaseRef(row.id, row.case_no, row.finished_at, row.OrgUnit))
                     for row in db.session.execute(query))
    return found


def _evaluated(service_case_ids: set[int]) -> set[int]:
    taken: set[int] = set()
    for chunk in _chunks(sorted(service_case_ids)):
        taken.update(db.session.scalars(
            select(Evaluation.service_case_id).where(Evaluation.service_case_id.in_(chunk))))
    return taken


def _chunks(values: list) -> list[list]:
    return [values[i:i + LOOKUP_CHUNK] for i in range(0, len(values), LOOKUP_CHUNK)]


def _write(accepted: list[_Accepted], principal: Principal) -> None:
    if not accepted:
        return
    received = now()
    for item, evaluation_id in zip(accepted, reserve_ids(Evaluation, len(accepted)), strict=True):
        item.result.status, item.result.evaluation_id = "accepted", evaluation_id
    db.session.execute(insert(Evaluation), [
        {"id": item.result.evaluation_id, "service_case_id": item.case.id,
         **service.columns(item.data, item.case.org_unit, received=received, principal=principal)}
        for item in accepted])
    fraud.record_origins([(item.result.evaluation_id, item.data.get("device_id"), service.client_address(item.data))
                          for item in accepted])
    audit.record_many([service.received_event(item.result.evaluation_id, item.case.case_no, item.data,
                                              principal=principal) for item in accepted])
    bad = [item for item in accepted if item.data["level"] in BAD_LEVELS]
    case_ids = open_many([NewCase(item.result.evaluation_id, item.data["level"], item.data["real_name"],
                                  item.case.org_unit) for item in bad], received=received, actor=principal.label)
    for item, case_id in zip(bad, case_ids, strict=True):
        item.result.bad_review_case_id = case_id


def _one_by_one(rows: list[dict], principal: Principal) -> list[ItemResult]:
    """Each item in its own savepoint, through the single intake."""
    results = []
    for index, row in enumerate(rows):
        result = ItemResult(index)
        try:
            with db.session.begin_nested():
                evaluation = service.create(row, principal=principal)
            result.status, result.evaluation_id = "accepted", evaluation.id
            result.bad_review_case_id = evaluation.bad_review_case.id if evaluation.bad_review_case else None
        except DomainError as err:
            result.refuse(err)
        except IntegrityError:
            result.error = {"code": "conflict", "message": "与已有数据冲突", "fields": {}}
        results.append(result)
    return results


@dataclass
class BatchOutcome:
    results: list[dict]

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r["status"] == "accepted")

    @property
    def rejected(self) -> int:
        return len(self.results) - self.accepted


def create_batch(items: list, *, principal: Principal) -> BatchOutcome:
    """The batch endpoint: each raw item validated on its own, the valid ones taken in together."""
    schema = EvaluationCreateSchema()
    answers: list[dict | None] = [None] * len(items)
    valid: list[tuple[int, dict]] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            err = ValidationError("每一项必须是 JSON 对象", field="item")
            answers[index] = _rejected(index, {"code": err.code, "message": err.message, "fields": err.fields})
            continue
        try:
            valid.append((index, schema.load(raw)))
        except SchemaError as err:
            answers[index] = _rejected(index, {"code": "invalid", "message": "请求字段无效", "fields": err.messages})
    for (index, _), result in zip(valid, intake_many([data for _, data in valid], principal=principal), strict=True):
        answers[index] = {**result.as_dict(), "index": index}
    return BatchOutcome(answers)


def _rejected(index: int, error: dict) -> dict:
    return {"index": index, "status": "rejected", "evaluation_id": None, "bad_review_case_id": None, "error": error}
