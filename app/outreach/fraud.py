"""Fraud signals for the supervision office: patterns of paid good reviews (刷好评) and malicious bad reviews.

A signal is a flag with the evaluations behind it; it never changes an evaluation. The office confirms or
dismisses it, with a note, and both the raising and the review are audited. Thresholds are settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, func, insert, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.evaluation.models import BAD_LEVELS, Evaluation, EvaluationChannel, EvaluationSource
from app.outreach import options
from app.outreach.models import EvaluationOrigin, FraudSignal
from app.service_case.models import ServiceCase
from app.user.models import User
from app.user.principal import Principal

ACTOR = "system:fraud"
# Devices every applicant at a window or terminal uses: many top ratings from one of them are the normal case,
# so the one-origin rule looks only at the evaluators' own phones and browsers.
SHARED_DEVICE_CHANNELS = (EvaluationChannel.window_device, EvaluationChannel.self_service_terminal,
                          EvaluationChannel.paper_form)


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str
    count: int
    window: timedelta


def rules() -> tuple[Rule, ...]:
    setting = options.setting
    return (
        Rule("evaluator_burst", "同一评价人短时间内评价多个办件", int(setting("FRAUD_EVALUATOR_COUNT")),
             timedelta(minutes=int(setting("FRAUD_EVALUATOR_MINUTES")))),
        Rule("top_ratings_one_origin", "同一设备或地址对同一工作人员集中给出“非常满意”",
             int(setting("FRAUD_ORIGIN_COUNT")), timedelta(hours=int(setting("FRAUD_ORIGIN_HOURS")))),
        Rule("bad_burst_against_staff", "同一工作人员短时间内集中收到差评", int(setting("FRAUD_BAD_COUNT")),
             timedelta(hours=int(setting("FRAUD_BAD_HOURS")))),
    )


def _events(rule: Rule, since: datetime, until: datetime) -> list[tuple[str, datetime, int, str]]:
    """(subject key, evaluated_at, evaluation id, org path) of the evaluations a rule looks at."""
    active = [Evaluation.source == EvaluationSource.active, Evaluation.evaluated_at >= since,
              Evaluation.evaluated_at < until]
    base = select(Evaluation.evaluated_at, Evaluation.id, Evaluation.org_path).join(
        ServiceCase, ServiceCase.id == Evaluation.service_case_id)
    if rule.kind == "evaluator_burst":
        query = base.add_columns(ServiceCase.applicant_phone_hash).where(
            *active, ServiceCase.applicant_phone_hash.is_not(None))
        return [(f"evaluator:{k}", t, i, p) for t, i, p, k in db.session.execute(query)]
    if rule.kind == "bad_burst_against_staff":
        query = base.add_columns(ServiceCase.staff_id).where(*active, Evaluation.level.in_(BAD_LEVELS),
                                                             ServiceCase.staff_id.is_not(None))
        return [(f"staff:{k}", t, i, p) for t, i, p, k in db.session.execute(query)]
    query = base.add_columns(ServiceCase.staff_id, EvaluationOrigin.device_id, EvaluationOrigin.client_address).join(
        EvaluationOrigin, EvaluationOrigin.evaluation_id == Evaluation.id).where(
        *active, Evaluation.level == 5, ServiceCase.staff_id.is_not(None),
        Evaluation.channel.not_in(SHARED_DEVICE_CHANNELS))
    result = []
    for t, i, p, staff, device, address in db.session.execute(query):
        result += [(f"staff:{staff}|{kind}:{v}", t, i, p) for kind, v in (("device", device), ("address", address))
                   if v]
    return result


def clusters(events: list[tuple[str, datetime, int, str]], rule: Rule):
    """Per subject, non-overlapping runs of at least ``rule.count`` events within ``rule.window``."""
    by_key: dict[str, list] = {}
    for event in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        by_key.setdefault(event[0], []).append(event)
    for key, rows in by_key.items():
        i = 0
        while i < len(rows):
            j = i
            while j + 1 < len(rows) and rows[j + 1][1] - rows[i][1] <= rule.window:
                j += 1
            if j - i + 1 >= rule.count:
                yield key, rows[i:j + 1]
                i = j + 1
            else:
                i += 1


def detect(*, since: datetime | None = None, until: datetime | None = None) -> int:
    """Raises a signal for every new cluster in the period (default: the last two days)."""
    until = until or now()
    since = since or until - timedelta(days=2)
    raised = 0
    for rule in rules():
        for key, rows in clusters(_events(rule, since, until), rule):
            raised += _raise(rule, key, rows)
    return raised


def _raise(rule: Rule, key: str, rows: list) -> bool:
    start = rows[0][1]
    if db.session.scalar(select(FraudSignal.id).where(FraudSignal.kind == rule.kind, FraudSignal.subject_key == key,
                                                      FraudSignal.window_start == start)):
        return False
    signal = FraudSignal(kind=rule.kind, subject_key=key, subject_label=_label(key, rule), org_path=rows[0][3],
                         window_start=start, window_end=rows[-1][1], count=len(rows),
                         evaluation_ids=[r[2] for r in rows], detected_at=now(), status="open")
    db.session.add(signal)
    db.session.flush()
    audit.record(actor=ACTOR, action="fraud.signal_raised", subject_type="fraud_signal", subject_id=signal.id,
                 payload={"kind": rule.kind, "subject": signal.subject_label, "count": signal.count,
                          "evaluation_ids": signal.evaluation_ids})
    return True


def _label(key: str, rule: Rule) -> str:
    parts = dict(part.split(":", 1) for part in key.split("|"))
    if "evaluator" in parts:
        return f"{rule.label}：评价人 #{parts['evaluator'][:8]}"  # a keyed hash, never the number
    staff = db.session.get(User, int(parts["staff"]))
    origin = parts.get("device") or parts.get("address")
    return f"{rule.label}：{staff.display_name if staff else parts['staff']}" + (f"（来源 {origin}）" if origin else "")


def _scoped(principal: Principal):
    scope = [FraudSignal.org_path.startswith(root.path) for root in principal.scope_roots]
    return or_(*scope) if scope else false()


def listed(principal: Principal, *, status: str | None = "open") -> list[FraudSignal]:
    query = select(FraudSignal).where(_scoped(principal))
    if status:
        query = query.where(FraudSignal.status == status)
    return list(db.session.scalars(query.order_by(FraudSignal.detected_at.desc(), FraudSignal.id.desc())))


def signals_page(principal: Principal, *, status: str | None, page: int,
                 per_page: int) -> tuple[list[FraudSignal], int]:
    """One page of the signals in scope, newest first."""
    query = select(FraudSignal).where(_scoped(principal))
    if status:
        query = query.where(FraudSignal.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(FraudSignal.detected_at.desc(), FraudSignal.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def status_counts(principal: Principal) -> dict[str, int]:
    rows = db.session.execute(select(FraudSignal.status, func.count()).where(_scoped(principal))
                              .group_by(FraudSignal.status))
    return {"open": 0, "confirmed": 0, "dismissed": 0} | dict(rows.all())


def evaluations_of(signals: list[FraudSignal]) -> dict[int, Evaluation]:
    """The evaluations behind the signals, by id, with their service cases and items loaded."""
    ids = {i for signal in signals for i in signal.evaluation_ids or []}
    if not ids:
        return {}
    case = selectinload(Evaluation.service_case)
    rows = db.session.scalars(select(Evaluation).where(Evaluation.id.in_(ids)).options(
        case.selectinload(ServiceCase.item), selectinload(Evaluation.bad_review_case)))
    return {e.id: e for e in rows}


def get_signal(signal_id: int, *, principal: Principal) -> FraudSignal:
    signal = db.session.get(FraudSignal, signal_id)
    if signal is None:
        raise NotFoundError("预警不存在")
    if not any(signal.org_path.startswith(root.path) for root in principal.scope_roots):
        raise PermissionDeniedError("该预警不在您的管辖范围内")
    return signal


def review(signal_id: int, *, status: str, note: str, principal: Principal) -> FraudSignal:
    signal = get_signal(signal_id, principal=principal)
    if signal.status != "open":
        raise ConflictError("该预警已处理")
    signal.status, signal.note, signal.reviewed_by, signal.reviewed_at = status, note, principal.label, now()
    audit.record(actor=principal.label, action="fraud.signal_reviewed", subject_type="fraud_signal",
                 subject_id=signal.id, payload={"status": status, "note": note})
    return signal


def record_origin(evaluation_id: int, *, device_id: str | None, client_address: str | None) -> None:
    """Intake keeps where an evaluation came from (device id, client address); used by these signals only."""
    if device_id or client_address:
        db.session.add(EvaluationOrigin(**_origin(evaluation_id, device_id, client_address)))
        db.session.flush()


def record_origins(origins: list[tuple[int, str | None, str | None]]) -> None:
    """``record_origin`` for many evaluations, (evaluation id, device id, client address), in one statement."""
    rows = [_origin(*origin) for origin in origins if origin[1] or origin[2]]
    if rows:
        db.session.execute(insert(EvaluationOrigin), rows)


def _origin(evaluation_id: int, device_id: str | None, client_address: str | None) -> dict:
    return {"evaluation_id": evaluation_id, "device_id": (device_id or None) and device_id[:128],
            "client_address": client_address}

