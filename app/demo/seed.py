"""`haochaping seed-demo`: a fictional province slice with 60 days of history, replayed through the services.

The org tree, accounts and service items are built first, dated the day before the history starts. Then
every service case and evaluation is replayed in time order under a frozen clock set to the moment the
platform would have pushed it (evaluations through ``evaluation.service.create``), so received times,
bad-review cases and the audit chain look exactly as real intake leaves them. In between, the demo
staff work the bad-review cases through their lifecycle and the timers fire (``app.demo.lifecycle``).
Everything random comes from one ``random.Random(seed)``: the same seed gives the same data.
Nothing is committed here; the CLI owns the commit.
"""
from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import audit
from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.clock import FrozenClock, frozen_at, now
from app.db import db
from app.demo import casework, lifecycle
from app.demo import catalogue as cat
from app.demo.catalogue import DEMO_ACCOUNTS, DEMO_CLIENT, DEMO_PASSWORD
from app.errors import ConflictError
from app.evaluation import service as evaluation_service
from app.evaluation.models import Evaluation, EvaluationChannel
from app.org import service as org_service
from app.org.models import OrgLevel, OrgUnit
from app.privacy import keyring
from app.service_case.models import (
    ApplicantKind,
    ServiceCase,
    ServiceChannel,
    ServiceItem,
)
from app.settings import LOCAL_TZ, to_local
from app.user import service as user_service
from app.user.models import AccountKind, User
from app.user.principal import Principal

HISTORY_DAYS = 60
ACTOR = "cli:seed-demo"
EVALUATION_RATE = 0.85  # share of finished service cases that get an (active) evaluation
BAD_RATE = 0.025  # base share of bad reviews, scaled by item and staff risk
PENDING_RATE = 0.01  # service cases stuck (e.g. waiting for missing documents)
HOT_SPOT_HANDLERS = 2  # handlers with three times the usual bad-review rate, for the hot-spot analysis


@dataclass
class Desk:
    """One department of one county: its windows and its handlers."""

    unit: OrgUnit
    county: cat.County
    department: cat.Department
    windows: list[OrgUnit] = field(default_factory=list)
    handlers: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class Offer:
    item: ServiceItem
    template: cat.ItemTemplate
    desk: Desk


@dataclass
class Slice:
    units: dict[str, OrgUnit]
    desks: dict[str, Desk]
    offers: list[Offer] = field(default_factory=list)
    client: Principal | None = None
    hot_spots: frozenset[str] = frozenset()
    bad_rate: float = BAD_RATE


@dataclass
class Visit:
    """A planned service case (its column values) and, maybe, its evaluation (the create payload)."""

    case: dict
    pushed_at: datetime
    risk: float  # the chance that its evaluation is a bad review
    evaluation: dict | None = None
    received_at: datetime | None = None


def present() -> bool:
    """Whether this database holds the demo slice (its fictional province)."""
    return org_service.find_by_code(cat.PROVINCE[0]) is not None


def run(*, cases: int, seed: int, bad_rate: float = BAD_RATE) -> str:
    """Seeds the demo up to the clock's now; ``bad_rate`` (tests raise it) scales the share of bad reviews."""
    province = org_service.find_by_code(cat.PROVINCE[0])
    if province is not None:
        return f"演示数据已存在，未做改动 / demo data already present, nothing changed\n{_summary(province)}"
    _check_usernames_free()
    rng = random.Random(seed)
    end = now()
    start = end - timedelta(days=HISTORY_DAYS)
    with frozen_at(current_app._get_current_object(), start - timedelta(days=1)) as clock:
        demo = _build(rng, bad_rate)
        visits = _plan(rng, demo, start, end, cases)
        province = demo.units[cat.PROVINCE[0]]
        driver = lifecycle.Driver(rng, clock, end, province.path)
        _replay(clock, demo, visits, driver)
        driver.finish()
    counts = _counts(province)
    audit.record(actor=ACTOR, action="demo.seeded", subject_type="org_unit", subject_id=province.id,
                 payload={"seed": seed, "cases": cases, "from": start.isoformat(), "to": end.isoformat(),
                          **counts})
    return (f"演示数据已生成（种子 {seed}，{to_local(start):%Y-%m-%d} 至 {to_local(end):%Y-%m-%d}）"
            f" / demo data loaded\n{_summary(province)}")


def _check_usernames_free() -> None:
    names = [a.username for a in (*DEMO_ACCOUNTS, DEMO_CLIENT)]
    taken = db.session.scalars(select(User.username).where(User.username.in_(names))).all()
    if taken:
        raise ConflictError(f"演示账号用户名已被占用：{', '.join(sorted(taken))}", field="username")


# -- the org tree, items and accounts -------------------------------------------------------------


def _build(rng: random.Random, bad_rate: float) -> Slice:
    demo = Slice(units={}, desks={}, bad_rate=bad_rate)
    _build_org(demo)
    for county, template in itertools.product(cat.COUNTIES, cat.ITEMS):
        desk = demo.desks[f"{county.code}-{template.department}"]
        number = sum(1 for o in demo.offers if o.desk is desk) + 1
        item = ServiceItem(code=f"{desk.unit.code}-{number:03d}", name=template.name, department=desk.unit)
        db.session.add(item)
        demo.offers.append(Offer(item, template, desk))
    db.session.flush()
    _build_staff(rng, demo)
    return demo


def _build_org(demo: Slice) -> None:
    def add(code: str, name: str, level: str, parent: str | None = None, supervises: str | None = None):
        demo.units[code] = org_service.create(
            code=code, name=name, level=OrgLevel(level), parent=demo.units[parent] if parent else None,
            supervises=demo.units[supervises] if supervises else None)
        return demo.units[code]

    city_code, city = cat.CITY
    add(*cat.PROVINCE, "province")
    add(city_code, city, "city", cat.PROVINCE[0])
    add(f"{city_code}-{cat.CITY_SUPERVISION[0]}", cat.CITY_SUPERVISION[1].format(city=city), "department",
        city_code, supervises=city_code)
    for county in cat.COUNTIES:
        names = {"city": city, "county": county.name}
        add(county.code, county.name, "county", city_code)
        for town in county.towns:
            add(town.code, town.name, "town", county.code)
            for number, village in enumerate(town.villages, 1):
                add(f"{town.code}{number:03d}", village, "village", town.code)
        hall = f"{county.code}-{cat.HALL[0]}"
        add(hall, cat.HALL[1].format(**names), "service_hall", county.code)
        for dept in cat.DEPARTMENTS:
            code = f"{county.code}-{dept.key}"
            unit = add(code, dept.name.format(**names), "department", county.code)
            demo.desks[code] = Desk(unit, county, dept)
        for number, name, key in cat.WINDOWS:
            window = add(f"{hall}-W{number:02d}", name, "window", hall)
            demo.desks[f"{county.code}-{key}"].windows.append(window)
        add(f"{county.code}-{cat.SUPERVISION[0]}", cat.SUPERVISION[1].format(**names), "department",
            county.code, supervises=county.code)


def _build_staff(rng: random.Random, demo: Slice) -> None:
    # Argon2 is slow on purpose: the demo password is hashed once and every demo account shares the hash.
    shared = None
    documented = {}
    for account in DEMO_ACCOUNTS:
        documented[account.username] = _account(
            rng, account.username, demo.units[account.org_code], account.role, account.display_name,
            password=None if shared else DEMO_PASSWORD, password_hash=shared)
        shared = documented[account.username].password_hash
        if account.role == "handler":
            demo.desks[account.org_code].handlers.append(documented[account.username])
    client = _account(rng, DEMO_CLIENT.username, demo.units[DEMO_CLIENT.org_code], DEMO_CLIENT.role,
                      DEMO_CLIENT.display_name, kind=AccountKind.client)
    demo.client = Principal.for_user(client)
    # The account the public rating pages (QR code, web link) record evaluations with.
    _account(rng, current_app.config["PUBLIC_RATING_ACCOUNT"], demo.units[cat.PROVINCE[0]], "integration",
             "公众评价渠道（扫码、网上评价）", kind=AccountKind.client)
    taken = Counter((a.org_code, a.role) for a in DEMO_ACCOUNTS)
    bulk = []
    for desk in demo.desks.values():
        prefix = f"{desk.county.abbr}-{desk.department.key.lower()}"
        names = [f"{prefix}-{n:02d}" for n in range(1, desk.department.handlers + 1)]
        handlers = _staff(rng, desk.unit, "handler", names, shared)
        desk.handlers += handlers
        bulk += handlers
        if not taken[(desk.unit.code, "dept_lead")]:
            _staff(rng, desk.unit, "dept_lead", [f"{prefix}-lead"], shared)
    for prefix, code in [(c.abbr, c.code) for c in cat.COUNTIES] + [(cat.CITY_ABBR, cat.CITY[0])]:
        office = demo.units[f"{code}-{cat.SUPERVISION[0]}"]
        wanted = 2 - taken[(office.code, "supervisor")]
        _staff(rng, office, "supervisor", [f"{prefix}-jdk-{n:02d}" for n in range(1, wanted + 1)], shared)
        if not taken[(office.code, "supervisor_lead")]:
            _staff(rng, office, "supervisor_lead", [f"{prefix}-jdk-lead"], shared)
    demo.hot_spots = frozenset(u.username for u in rng.sample(bulk, HOT_SPOT_HANDLERS))


def _staff(rng: random.Random, unit: OrgUnit, role: str, usernames: list[str],
           password_hash: str) -> list[User]:
    return [_account(rng, name, unit, role, password_hash=password_hash) for name in usernames]


def _account(rng: random.Random, username: str, unit: OrgUnit, role: str, display_name: str | None = None, *,
             password: str | None = None, password_hash: str | None = None,
             kind: AccountKind = AccountKind.person) -> User:
    user = user_service.create(username=username, display_name=display_name or cat.person_name(rng),
                               org_unit=unit, roles=[role], password=password, kind=kind, actor=ACTOR)
    if password_hash:
        user.password_hash = password_hash
    return user


# -- planning the history --------------------------------------------------------------------------


def _plan(rng: random.Random, demo: Slice, start: datetime, end: datetime, count: int) -> list[Visit]:
    calendar = get_calendar()
    days = [d for d in _dates(to_local(start).date(), to_local(end).date()) if calendar.is_working_day(d)]
    weights = list(itertools.accumulate(o.template.weight * o.desk.county.weight for o in demo.offers))
    applicants = cat.Applicants()
    planned = []
    for _ in range(count):
        offer = demo.offers[bisect.bisect_right(weights, rng.random() * weights[-1])]
        accepted = _accepted_at(rng, days, start, end)
        planned.append((accepted, offer, _finished_at(rng, offer.template, accepted, end)))
    planned.sort(key=lambda p: p[0])
    visits = []
    for number, (accepted, offer, finished) in enumerate(planned, 1):
        visit = _visit(rng, demo, offer, applicants, number, accepted, finished, end)
        _plan_evaluation(rng, visit, end)
        visits.append(visit)
    return visits


def _dates(first: date, last: date):
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def _office_time(rng: random.Random, day: date) -> datetime:
    """A random moment of the office hours of ``day``, a working day."""
    midnight = datetime.combine(day, datetime.min.time(), LOCAL_TZ).astimezone(UTC)
    return casework.office_after(midnight, rng.random() * sum(length for _, length in cat.OPENING_HOURS))


def _accepted_at(rng: random.Random, days: list[date], start: datetime, end: datetime) -> datetime:
    while True:  # only the first and the last day can reject, and never every hour of the window
        accepted = _office_time(rng, rng.choice(days))
        if start <= accepted < end - timedelta(minutes=30):
            return accepted


def _finished_at(rng: random.Random, template: cat.ItemTemplate, accepted: datetime,
                 end: datetime) -> datetime | None:
    if rng.random() < PENDING_RATE:
        return None
    if template.promise_days == 0 or rng.random() < 0.15:
        finished = accepted + timedelta(minutes=rng.randint(5, 45))
    else:  # within the promised working days, mostly early
        days = min(rng.randint(1, template.promise_days), rng.randint(1, template.promise_days))
        finished = _office_time(rng, get_calendar().add_working_days(to_local(accepted).date(), days))
    return finished if finished <= end - timedelta(minutes=10) else None


def _visit(rng: random.Random, demo: Slice, offer: Offer, applicants: cat.Applicants, number: int,
           accepted: datetime, finished: datetime | None, end: datetime) -> Visit:
    channel = ServiceChannel(cat.pick(rng, cat.SERVICE_CHANNELS))
    desk = offer.desk
    staff = None if channel == ServiceChannel.self_service else rng.choice(desk.handlers)
    window = rng.choice(desk.windows) if channel == ServiceChannel.window else None
    kind, name, phone, cert_no = applicants.pick(rng, offer.template.legal_share, desk.county.code)
    case = {
        "case_no": f"BJ{to_local(accepted):%Y%m%d}{number:06d}", "item": offer.item, "org_unit": desk.unit,
        "window": window, "staff": staff, "channel": channel, "applicant_kind": ApplicantKind(kind),
        "applicant_name": name, "applicant_phone": phone, "applicant_cert_no": cert_no,
        "accepted_at": accepted, "finished_at": finished,
    }
    pushed = min((finished or accepted) + timedelta(seconds=rng.randint(5, 600)), end)
    risk = demo.bad_rate * offer.template.risk * (3.0 if staff and staff.username in demo.hot_spots else 1.0)
    return Visit(case, pushed, risk * (0.7 if staff is None else 1.0))


def _plan_evaluation(rng: random.Random, visit: Visit, end: datetime) -> None:
    finished = visit.case["finished_at"]
    if finished is None or rng.random() >= EVALUATION_RATE:
        return
    channel = EvaluationChannel(cat.pick(rng, cat.EVALUATION_CHANNELS[visit.case["channel"]]))
    evaluated = finished + timedelta(seconds=rng.randint(*cat.EVALUATION_DELAY[channel]))
    delay = timedelta(seconds=rng.randint(*cat.RECEIPT_DELAY.get(channel, cat.DEFAULT_RECEIPT_DELAY)))
    received = max(evaluated + delay, visit.pushed_at + timedelta(seconds=1))
    level = _level(rng, visit.risk)
    comment, reasons = _words(rng, level)
    if received > end:  # not evaluated yet
        return
    verified = channel in (EvaluationChannel.sms, EvaluationChannel.hotline, EvaluationChannel.paper_form)
    visit.evaluation = {
        "service_case_no": visit.case["case_no"], "level": level, "channel": channel,
        "comment": comment, "reasons": reasons, "evaluated_at": evaluated,
        "real_name": verified or rng.random() < 0.8,
    }
    visit.received_at = received


def _level(rng: random.Random, risk: float) -> int:
    if rng.random() < risk:
        return 2 if rng.random() < 0.6 else 1
    draw = rng.random()
    return 5 if draw < 0.76 else 4 if draw < 0.94 else 3


def _words(rng: random.Random, level: int) -> tuple[str | None, list[str]]:
    if level >= 4:
        return (rng.choice(cat.POSITIVE_COMMENTS) if rng.random() < 0.2 else None), []
    if level == 3:
        return (rng.choice(cat.NEUTRAL_COMMENTS) if rng.random() < 0.5 else None), []
    reasons = [cat.pick(rng, cat.COMPLAINT_WEIGHTS)]
    if rng.random() < 0.2:
        reasons = sorted({*reasons, cat.pick(rng, cat.COMPLAINT_WEIGHTS)})
    return (rng.choice(cat.COMPLAINTS[reasons[0]]) if rng.random() < 0.9 else None), reasons


# -- replay and summary --------------------------------------------------------------------------------


def _replay(clock: FrozenClock, demo: Slice, visits: list[Visit], driver: lifecycle.Driver) -> None:
    """Pushes every service case and evaluation at its own moment, oldest first; in between, the driver
    works the bad-review cases opened so far."""
    events = [(v.pushed_at, 0, v) for v in visits] + [(v.received_at, 1, v) for v in visits if v.evaluation]
    events.sort(key=lambda e: (e[0], e[1], e[2].case["case_no"]))
    staff_principals: dict[str, Principal] = {}
    for moment, kind, visit in events:
        driver.run_until(moment)
        clock.set(moment)
        if kind == 0:
            _register(visit.case, demo.client)
            continue
        principal = demo.client
        if visit.evaluation["channel"] == EvaluationChannel.paper_form:  # keyed in by the window staff
            staff = visit.case["staff"]
            if staff.username not in staff_principals:
                staff_principals[staff.username] = Principal.for_user(staff)
            principal = staff_principals[staff.username]
        evaluation = evaluation_service.create(visit.evaluation, principal=principal)
        if evaluation.is_bad:
            driver.adopt(evaluation.bad_review_case)


def _register(values: dict, principal: Principal) -> None:
    """Stores and audits what ``service_case.service.create`` would, minus its five lookups per case
    (every reference is already at hand): at 3,000 cases they cost a quarter of the run."""
    case = ServiceCase(**values, applicant_phone_hash=keyring.lookup_hash(values["applicant_phone"]),
                       created_at=now())
    db.session.add(case)
    db.session.flush()
    finished = case.finished_at
    audit.record(actor=principal.label, action="service_case.created", subject_type="service_case",
                 subject_id=case.id, payload={"case_no": case.case_no, "item": case.item.code,
                                              "org_unit": case.org_unit.code,
                                              "finished_at": finished.isoformat() if finished else None})


def _counts(province: OrgUnit) -> dict[str, int]:
    under = province.path

    def count(model, path_column, *joins) -> int:
        query = select(func.count()).select_from(model)
        for target in joins:
            query = query.join(target)
        return db.session.scalar(query.where(path_column.startswith(under)))

    return {
        "org_units": count(OrgUnit, OrgUnit.path),
        "users": count(User, OrgUnit.path, User.org_unit),
        "service_items": count(ServiceItem, OrgUnit.path, ServiceItem.department),
        "service_cases": count(ServiceCase, OrgUnit.path, ServiceCase.org_unit),
        "evaluations": count(Evaluation, Evaluation.org_path),
        "bad_review_cases": count(BadReviewCase, BadReviewCase.org_path),
    }


def _summary(province: OrgUnit) -> str:
    c = _counts(province)
    lines = [
        f"  机构 org units: {c['org_units']}   账号 users: {c['users']}   事项 service items: {c['service_items']}",
        (f"  办件 service cases: {c['service_cases']}   评价 evaluations: {c['evaluations']}"
         f"   差评工单 bad-review cases: {c['bad_review_cases']}"),
        lifecycle.state_summary(province.path),
        f"演示账号 / demo accounts（密码 password: {DEMO_PASSWORD}；其余演示员工账号同一密码）:",
    ]
    for account in DEMO_ACCOUNTS:
        unit = org_service.get_by_code(account.org_code)
        lines.append(f"  {account.username:<16} {account.role:<16} {account.display_name}  {unit.name}")
    lines.append(f"  {DEMO_CLIENT.username:<16} {DEMO_CLIENT.role:<16} {DEMO_CLIENT.display_name}（对接客户端，"
                 f"仅令牌 / token only: haochaping token create --username {DEMO_CLIENT.username} --name demo）")
    return "\n".join(lines)
