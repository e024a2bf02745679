"""`haochaping seed-demo`: the demo province slice is complete, consistent with real intake, and idempotent."""
from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.calendar import get_calendar
from app.case.models import BadReviewCase
from app.db import db
from app.demo import seed
from app.demo.catalogue import DEMO_ACCOUNTS, DEMO_CLIENT, DEMO_PASSWORD
from app.errors import ConflictError
from app.evaluation.models import Evaluation
from app.org import service as org_service
from app.org.models import OrgLevel, OrgUnit
from app.service_case.models import ServiceCase, ServiceItem
from app.settings import to_local
from app.task.models import CaseTask
from app.user import service as user_service
from app.user.models import AccountKind, Role, User
from tests.fixtures.audit import sealed_chain

CASES = 200
SEED = 7


@pytest.fixture
def summary(clock) -> str:
    return seed.run(cases=CASES, seed=SEED)


@pytest.fixture
def skeleton(clock) -> str:
    """Org tree, items and accounts only: enough for the structural tests, and three times faster."""
    return seed.run(cases=0, seed=SEED)


def _all(model):
    return db.session.scalars(select(model)).all()


def test_seeding_builds_the_org_tree_from_province_to_villages(skeleton):
    levels = Counter(unit.level for unit in _all(OrgUnit))
    assert levels[OrgLevel.province] == 1 and levels[OrgLevel.city] == 1 and levels[OrgLevel.county] == 2
    assert levels[OrgLevel.town] >= 4 and levels[OrgLevel.village] >= 8
    assert levels[OrgLevel.service_hall] == 2 and levels[OrgLevel.window] >= 12
    for unit in _all(OrgUnit):
        assert unit.path == f"{unit.parent.path if unit.parent else '/'}{unit.id}/"


def test_each_county_has_a_hall_with_six_windows_six_departments_and_a_supervision_office(skeleton):
    for county in [u for u in _all(OrgUnit) if u.level == OrgLevel.county]:
        children = [u for u in _all(OrgUnit) if u.parent_id == county.id]
        halls = [u for u in children if u.level == OrgLevel.service_hall]
        departments = [u for u in children if u.level == OrgLevel.department and u.supervises is None]
        offices = [u for u in children if u.supervises is not None]
        assert len(halls) == 1 and len([u for u in _all(OrgUnit) if u.parent_id == halls[0].id]) >= 6
        assert len(departments) >= 6
        assert [o.supervises for o in offices] == [county]
    city = org_service.get_by_code("390100")
    assert any(u.supervises is city for u in _all(OrgUnit))


def test_every_role_has_one_documented_account_whose_password_works(skeleton):
    assert {a.role for a in DEMO_ACCOUNTS} == {r.value for r in Role} - {"integration"}
    for account in DEMO_ACCOUNTS:
        user = user_service.get_by_username(account.username)
        assert user.roles == {Role(account.role)}
        assert user.org_unit.code == account.org_code
        assert user_service.check_password(user, DEMO_PASSWORD)
        assert not user_service.check_password(user, "wrong-password")


def test_the_documented_handler_and_supervisors_share_one_county(skeleton):
    handler, lead, supervisor, supervisor_lead = (
        user_service.get_by_username(n) for n in ("handler", "dept_lead", "supervisor", "supervisor_lead"))
    assert handler.org_unit is lead.org_unit
    assert "人力资源和社会保障局" in handler.org_unit.name
    assert supervisor.org_unit is supervisor_lead.org_unit
    assert supervisor.org_unit.supervises is handler.org_unit.parent


def test_the_integration_client_is_a_city_account_without_a_password(skeleton):
    client = user_service.get_by_username(DEMO_CLIENT.username)
    assert client.kind == AccountKind.client and client.roles == {Role.integration}
    assert client.org_unit.level == OrgLevel.city and client.password_hash is None


def test_there_are_thirty_or_more_service_items_owned_by_departments(skeleton):
    items = _all(ServiceItem)
    assert len(items) >= 30
    assert {item.department.level for item in items} == {OrgLevel.department}
    assert "社会保障卡申领" in {item.name for item in items}


def test_service_cases_are_taken_in_office_hours_of_working_days_of_the_last_sixty_days(summary, clock):
    cases = _all(ServiceCase)
    assert len(cases) == CASES
    calendar = get_calendar()
    for case in cases:
        local = to_local(case.accepted_at)
        assert clock.now() - timedelta(days=60) <= case.accepted_at < clock.now()
        assert calendar.is_working_day(local.date()) and time(8, 30) <= local.time() <= time(17, 30)
        assert case.finished_at is None or case.accepted_at <= case.finished_at <= case.created_at
        assert case.applicant_phone[:2] in {f"1{d}" for d in "3456789"} and len(case.applicant_phone) == 11
        assert len(case.applicant_cert_no) == 18
    assert 0 < sum(1 for c in cases if c.finished_at is None) < CASES * 0.1
    assert len({c.applicant_kind for c in cases}) == 2


def test_most_finished_cases_are_evaluated_after_they_finished_and_before_now(summary, clock):
    evaluations = _all(Evaluation)
    finished = db.session.scalar(select(func.count()).where(ServiceCase.finished_at.is_not(None)))
    assert 0.75 * finished <= len(evaluations) <= 0.9 * finished
    for evaluation in evaluations:
        case = evaluation.service_case
        assert case.finished_at <= evaluation.evaluated_at <= evaluation.received_at <= clock.now()
        assert evaluation.evaluated_at >= clock.now() - timedelta(days=60)
        assert evaluation.org_unit_id == case.org_unit_id
    levels = Counter(e.level for e in evaluations)
    assert levels[5] > levels[4] > levels[3] and levels[1] + levels[2] > 0
    assert len({e.channel for e in evaluations}) >= 5


def test_every_bad_review_has_a_case_routed_to_the_unit_that_handled_the_service(summary):
    bad = [e for e in _all(Evaluation) if e.is_bad]
    assert bad and len(_all(BadReviewCase)) == len(bad)
    for evaluation in bad:
        case = evaluation.bad_review_case
        assert case.responsible_org is evaluation.service_case.org_unit
        assert case.received_at == evaluation.received_at and case.process_model_id is not None
        assert evaluation.reasons and set(evaluation.reasons) <= {"attitude", "efficiency", "quality",
                                                                  "environment"}


def test_audit_events_are_stamped_with_the_replayed_time(summary):
    evaluation = _all(Evaluation)[0]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.received",
                                                       AuditEvent.subject_id == str(evaluation.id)))
    assert event.occurred_at == evaluation.received_at
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "service_case.created")) == CASES


def test_the_audit_chain_verifies_after_seeding(summary):
    assert sealed_chain().ok


def test_seeding_restores_the_app_clock(skeleton, clock):
    assert current_app.extensions["clock"] is clock


def test_the_summary_gives_the_counts_and_the_demo_accounts(summary):
    assert f"办件 service cases: {CASES}" in summary
    assert DEMO_PASSWORD in summary
    for account in DEMO_ACCOUNTS:
        assert account.username in summary


def test_seeding_twice_adds_nothing(summary):
    before = [db.session.scalar(select(func.count()).select_from(m))
              for m in (OrgUnit, User, ServiceItem, ServiceCase, Evaluation, BadReviewCase, AuditEvent)]
    again = seed.run(cases=CASES, seed=SEED + 1)
    after = [db.session.scalar(select(func.count()).select_from(m))
             for m in (OrgUnit, User, ServiceItem, ServiceCase, Evaluation, BadReviewCase, AuditEvent)]
    assert after == before
    assert "已存在" in again and f"办件 service cases: {CASES}" in again
    assert "状态分布" in summary and summary.splitlines()[3] == again.splitlines()[3]  # the same state counts


def test_the_same_seed_gives_the_same_data(clock):
    def snapshot() -> list[tuple]:
        rows = db.session.execute(
            select(ServiceCase.case_no, ServiceCase.applicant_name, ServiceCase.accepted_at, Evaluation.level,
                   Evaluation.evaluated_at).outerjoin(Evaluation).order_by(ServiceCase.case_no)).all()
        tasks = db.session.execute(
            select(ServiceCase.case_no, BadReviewCase.status, CaseTask.bpmn_id, CaseTask.state, CaseTask.closed_at,
                   User.username, CaseTask.submitted).select_from(ServiceCase)
            .join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
            .join(BadReviewCase, BadReviewCase.evaluation_id == Evaluation.id)
            .join(CaseTask, CaseTask.case_id == BadReviewCase.id)
            .outerjoin(User, User.id == CaseTask.completed_by_id).order_by(ServiceCase.case_no, CaseTask.opened_at,
                                                             CaseTask.bpmn_id, CaseTask.closed_at)).all()
        return [tuple(r) for r in rows] + [tuple(t) for t in tasks]

    attempt = db.session.begin_nested()
    seed.run(cases=60, seed=SEED, bad_rate=0.2)
    first = snapshot()
    assert sum(1 for row in first if len(row) == 7) > 20  # cases worked through their lifecycle
    attempt.rollback()
    db.session.expunge_all()
    seed.run(cases=60, seed=SEED, bad_rate=0.2)
    assert snapshot() == first


def test_a_taken_demo_username_is_refused_before_anything_is_written(clock):
    unit = org_service.create(code="X", name="别的机构", level=OrgLevel.city)
    user_service.create(username="auditor", display_name="已有", org_unit=unit, roles=["auditor"])
    with pytest.raises(ConflictError):
        seed.run(cases=10, seed=SEED)
    assert org_service.find_by_code("390000") is None
