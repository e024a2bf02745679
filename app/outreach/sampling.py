"""The monthly return-visit sample of a supervision office (Shandong: ≥ 20 % of the month's bad reviews for a
rectification follow-up; Jiangning: ≥ 50 evaluations a month, stratified over the five levels plus random).

The draw is a pure function of the seed and the population, which is the month's service cases (as the
statistics count them) with evaluation ids up to the highest one at the draw; the seed and that bound are
stored, so anyone can redraw and compare (``verify``). Populations are ordered by id before sampling.
"""
from __future__ import annotations

import math
import random
import secrets

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.evaluation.models import BAD_LEVELS, Evaluation, EvaluationSource
from app.org.models import OrgUnit
from app.org.service import subtree_filter
from app.outreach import options
from app.outreach.models import ReturnVisitDraw, ReturnVisitSample
from app.service_case.models import ServiceCase
from app.settings import to_local
from app.stats.filters import for_unit, month_of, previous_month, raw_conditions
from app.user.principal import Principal

RECTIFICATION = "rectification"
RANDOM = "random"
VISIT_ANSWERS = ("satisfied", "basically_satisfied", "unsatisfied")


def rules_now() -> dict:
    """The sampling rules in force: the active policy profile, then settings."""
    return {"rectification_share": float(options.return_visit("rectification_sample_share")),
            "evaluations_min": int(options.return_visit("monthly_sample_min")),
            "per_level": int(options.setting("SAMPLE_PER_LEVEL")),
            "due_working_days": int(options.setting("SAMPLE_DUE_WORKING_DAYS"))}


def params_now() -> dict:
    rules = rules_now()
    return {"rectification_share": rules["rectification_share"], "evaluations_min": rules["evaluations_min"],
            "per_level": rules["per_level"],
            "max_evaluation_id": db.session.scalar(select(func.max(Evaluation.id))) or 0}


def plan(root: OrgUnit, month: str, seed: int, params: dict) -> list[tuple[int, str, int | None]]:
    """(evaluation id, stratum, bad-review case id) for every sampled evaluation, in draw order."""
    rng = random.Random(seed)
    conditions = [*raw_conditions(for_unit(root, month)), Evaluation.adopted.is_(True),
                  Evaluation.id <= params["max_evaluation_id"]]
    base = select(Evaluation.id).join(ServiceCase, ServiceCase.id == Evaluation.service_case_id).where(*conditions)
    bad = list(db.session.execute(
        select(Evaluation.id, BadReviewCase.id).join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
        .join(BadReviewCase, BadReviewCase.evaluation_id == Evaluation.id)
        .where(*conditions, Evaluation.level.in_(BAD_LEVELS)).order_by(Evaluation.id)))
    bad = [(eid, cid) for eid, cid in bad]
    wanted = math.ceil(params["rectification_share"] * len(bad))
    result = [(eid, RECTIFICATION, cid) for eid, cid in rng.sample(bad, wanted)]
    taken = {eid for eid, _, _ in result}
    cases = dict(bad)
    active = base.where(Evaluation.source == EvaluationSource.active)
    for level in range(5, 0, -1):
        pool = [e for e in db.session.scalars(active.where(Evaluation.level == level).order_by(Evaluation.id))
                if e not in taken]
        picked = rng.sample(pool, min(params["per_level"], len(pool)))
        result += [(eid, f"level_{level}", cases.get(eid)) for eid in picked]
        taken.update(picked)
    stratified = len(result) - wanted
    rest = [e for e in db.session.scalars(active.order_by(Evaluation.id)) if e not in taken]
    picked = rng.sample(rest, min(max(0, params["evaluations_min"] - stratified), len(rest)))
    return result + [(eid, RANDOM, cases.get(eid)) for eid in picked]


def draw(office: OrgUnit, month: str, *, actor: str, seed: int | None = None) -> ReturnVisitDraw:
    """Draws the month's sample for the office's supervised subtree and opens a return visit for each."""
    root = office.supervises or office
    if month >= month_of(to_local(now()).date()):
        raise ValidationError(f"{month} 尚未结束，只能抽取已经结束的月份", field="month")
    if db.session.scalar(select(ReturnVisitDraw.id).where(ReturnVisitDraw.office_id == office.id,
                                                          ReturnVisitDraw.root_id == root.id,
                                                          ReturnVisitDraw.month == month)):
        raise ConflictError(f"{office.name} {month} 的回访抽样已抽取")
    seed = secrets.randbits(62) if seed is None else seed
    params = params_now()
    chosen = plan(root, month, seed, params)
    counts: dict[str, int] = {}
    for _, stratum, _ in chosen:
        counts[stratum] = counts.get(stratum, 0) + 1
    record = ReturnVisitDraw(office_id=office.id, root_id=root.id, month=month, seed=seed, params=params,
                             counts=counts, created_at=now(), created_by=actor)
    db.session.add(record)
    db.session.flush()
    due = get_calendar().deadline(now(), rules_now()["due_working_days"]).due_at
    for evaluation_id, stratum, case_id in chosen:
        db.session.add(ReturnVisitSample(draw_id=record.id, evaluation_id=evaluation_id, stratum=stratum,
                                         case_id=case_id, office_id=office.id, office_path=office.path, state="open",
                                         opened_at=now(), due_at=due))
    db.session.flush()
    audit.record(actor=actor, action="return_visit.sample_drawn", subject_type="return_visit_draw",
                 subject_id=record.id, payload={"office": office.code, "root": root.code, "month": month, "seed": seed,
                                                "params": params, "counts": counts,
                                                "evaluation_ids": [c[0] for c in chosen]})
    return record


def default_month() -> str:
    """The month a draw is normally for: the last month that has ended (local time)."""
    return previous_month(month_of(to_local(now()).date()))


def verify(record: ReturnVisitDraw) -> bool:
    """Redraws from the stored seed and parameters and compares with the stored sample."""
    root = db.session.get(OrgUnit, record.root_id)
    stored = {(s.evaluation_id, s.stratum) for s in samples(record)}
    return stored == {(eid, stratum) for eid, stratum, _ in plan(root, record.month, record.seed, record.params)}


def samples(record: ReturnVisitDraw) -> list[ReturnVisitSample]:
    return list(db.session.scalars(select(ReturnVisitSample).where(ReturnVisitSample.draw_id == record.id)
                                   .order_by(ReturnVisitSample.id)))


def draws_page(principal: Principal, *, page: int, per_page: int) -> tuple[list[ReturnVisitDraw], int]:
    """The draws of the supervision offices in the principal's scope, latest month first."""
    query = select(ReturnVisitDraw).join(OrgUnit, OrgUnit.id == ReturnVisitDraw.office_id).where(
        subtree_filter(OrgUnit.path, list(principal.scope_roots)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ReturnVisitDraw.month.desc(), ReturnVisitDraw.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def get_draw(draw_id: int, *, principal: Principal) -> ReturnVisitDraw:
    record = db.session.get(ReturnVisitDraw, draw_id)
    if record is None:
        raise NotFoundError("抽样记录不存在")
    if not principal.can_see(db.session.get(OrgUnit, record.office_id)):
        raise PermissionDeniedError("该抽样记录不在您的管辖范围内")
    return record


def progress(draw_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per draw: how many of its visits are open and how many completed."""
    found = {i: {"open": 0, "completed": 0} for i in draw_ids}
    rows = db.session.execute(select(ReturnVisitSample.draw_id, ReturnVisitSample.state, func.count()).where(
        ReturnVisitSample.draw_id.in_(draw_ids)).group_by(ReturnVisitSample.draw_id, ReturnVisitSample.state))
    for draw_id, state, number in rows:
        found[draw_id][state] = number
    return found


_VISIT_LOAD = selectinload(ReturnVisitSample.evaluation).selectinload(Evaluation.service_case)
_VISIT_OPTIONS = (_VISIT_LOAD.selectinload(ServiceCase.item), _VISIT_LOAD.selectinload(ServiceCase.org_unit),
                  _VISIT_LOAD.selectinload(ServiceCase.window))


def samples_page(record: ReturnVisitDraw, *, page: int, per_page: int) -> tuple[list[ReturnVisitSample], int]:
    query = select(ReturnVisitSample).where(ReturnVisitSample.draw_id == record.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(*_VISIT_OPTIONS).order_by(ReturnVisitSample.id)
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def _visits(principal: Principal, state: str):
    conditions = [ReturnVisitSample.office_path.startswith(root.path) for root in principal.scope_roots]
    return select(ReturnVisitSample).where(ReturnVisitSample.state == state,
                                           or_(*conditions) if conditions else false())


def open_visits(principal: Principal, *, state: str = "open") -> list[ReturnVisitSample]:
    return list(db.session.scalars(_visits(principal, state).order_by(ReturnVisitSample.due_at, ReturnVisitSample.id)))


def visits_page(principal: Principal, *, page: int, per_page: int,
                state: str = "open") -> tuple[list[ReturnVisitSample], int]:
    """One page of the office's return visits, the earliest due first."""
    query = _visits(principal, state)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(*_VISIT_OPTIONS)
                              .order_by(ReturnVisitSample.due_at, ReturnVisitSample.id)
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def get_visit(sample_id: int, *, principal: Principal) -> ReturnVisitSample:
    sample = db.session.get(ReturnVisitSample, sample_id)
    if sample is None:
        raise NotFoundError("回访任务不存在")
    if not principal.can_see(db.session.get(OrgUnit, sample.office_id)):
        raise PermissionDeniedError("该回访任务不在您的管辖范围内")
    return sample


def complete(sample_id: int, data: dict, *, principal: Principal) -> ReturnVisitSample:
    sample = get_visit(sample_id, principal=principal)
    if sample.state != "open":
        raise ConflictError("该回访任务已完成")
    if data.get("reached") and data.get("satisfaction") not in VISIT_ANSWERS:
        raise ValidationError("联系到评价人时须记录其满意程度", field="satisfaction")
    sample.state, sample.completed_at, sample.completed_by = "completed", now(), principal.label
    sample.result = {k: data.get(k) for k in ("reached", "satisfaction", "rating_confirmed", "note")}
    audit.record(actor=principal.label, action="return_visit.sample_completed", subject_type="return_visit_draw",
                 subject_id=sample.draw_id, payload={"sample_id": sample.id, "evaluation_id": sample.evaluation_id,
                                                     **sample.result})
    return sample


def due_month() -> str | None:
    """Last month, once the policy's day of this month has come (the draw waits for late ratings)."""
    if to_local(now()).date().day < int(options.setting("SAMPLE_DAY")):
        return None
    return default_month()


def undrawn_office_ids(month: str, limit: int) -> list[int]:
    """Supervision offices that have not drawn ``month`` for the subtree they supervise."""
    drawn = select(ReturnVisitDraw.id).where(ReturnVisitDraw.office_id == OrgUnit.id,
                                             ReturnVisitDraw.root_id == OrgUnit.supervises_id,
                                             ReturnVisitDraw.month == month).exists()
    return list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.supervises_id.is_not(None), ~drawn)
                                   .order_by(OrgUnit.id).limit(limit)))


def draw_for_office(office_id: int, month: str, *, actor: str) -> ReturnVisitDraw:
    return draw(db.session.get(OrgUnit, office_id), month, actor=actor)
