"""A hand-built November 2026 in county A (and one case in county B), with every number worked out by hand.

    no  unit   window  staff      finished (local)  evaluation                         bad-review case
    1   A-HR   A-W1    handler_a  11-02 09:00       5 active web
    2   A-HR   A-W1    handler_a  11-02 09:10       4 active window_device
    3   A-HR   A-W1    handler_a  11-02 09:20       3 active window_device
    4   A-HR   A-W1    handler_a  11-02 09:30       4 default window_device
    5   A-HR   A-W1    handler_a  11-02 09:40       2 active window_device real-name   closed; rectified on time,
                                                                                        replied, visited: satisfied
    6   A-HR   A-W1    handler_a  11-03 09:00       1 active qr_code real-name         open, overdue, not rectified
    7   A-HR   A-W1    handler_a  11-03 09:10       1 active window_device, NOT ADOPTED not_adopted
    8   A-HR   A-W1    handler_a  11-03 09:20       —
    9   A-HR   A-W1    handler_a  11-03 09:30       —
    10  A-MKT  —       handler_m  11-04 09:00       5 active app
    11  A-MKT  —       handler_m  11-04 09:10       2 active app anonymous             open; rectified late, replied
    12  B-HR   —       handler_b  11-04 09:20       5 active web
    13  A-HR   A-W1    handler_a  10-31 23:30       1 active window_device             (October: outside the period)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from app.case.models import BadReviewCase
from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.stats import refresh
from app.task.models import CaseTask
from app.user.service import get_by_username
from tests.fixtures.audit import seal

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass
class Scenario:
    world: object
    service_cases: dict[int, ServiceCase] = field(default_factory=dict)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)
    cases: dict[int, BadReviewCase] = field(default_factory=dict)

    def service_case(self, no: int, org: str, item: str, staff: str | None, finished: datetime,
                     window: str | None = None) -> ServiceCase:
        unit = self.world.units[org]
        case = ServiceCase(case_no=f"ST-{next(_numbers):06d}", item=self.world.items[item], org_unit=unit,
                           window=self.world.units[window] if window else None,
                           staff=get_by_username(staff) if staff else None, channel="window",
                           applicant_kind="natural_person", applicant_name="王小明", applicant_phone="13912345678",
                           applicant_phone_hash=f"hash-{no}", accepted_at=finished, finished_at=finished,
                           created_at=finished)
        db.session.add(case)
        db.session.flush()
        self.service_cases[no] = case
        return case

    def evaluate(self, no: int, level: int, channel: str, *, source: str = "active", real_name: bool = True,
                 adopted: bool = True, reasons: list[str] | None = None, at: datetime | None = None) -> Evaluation:
        case = self.service_cases[no]
        moment = at or case.finished_at
        evaluation = Evaluation(service_case=case, org_unit_id=case.org_unit_id, org_path=case.org_unit.path,
                                level=level, channel=channel, real_name=real_name, reasons=reasons or [],
                                evaluated_at=moment, received_at=moment, source=source, adopted=adopted)
        db.session.add(evaluation)
        db.session.flush()
        self.evaluations[no] = evaluation
        return evaluation

    def bad_case(self, no: int, *, status: str = "open", received: datetime, deadline: datetime | None = None,
                 overdue: bool = False, closed: datetime | None = None,
                 tasks: tuple[tuple[str, datetime, dict], ...] = ()) -> BadReviewCase:
        evaluation = self.evaluations[no]
        unit = self.service_cases[no].org_unit
        category = next((data.get("category") for bpmn_id, _, data in tasks if bpmn_id == "classify"), None)
        case = BadReviewCase(category=category, case_no=f"CPT{next(_numbers):08d}", evaluation=evaluation,
                             responsible_org=unit, org_path=unit.path, received_at=received, status=status,
                             closed_at=closed, overdue=overdue,
                             deadlines={"rectify_deadline": utc_iso(deadline)} if deadline else {})
        db.session.add(case)
        db.session.flush()
        for bpmn_id, closed_at, submitted in tasks:
            db.session.add(CaseTask(case_id=case.id, task_uuid=f"t-{next(_numbers)}", bpmn_id=bpmn_id, name=bpmn_id,
                                    lane="department", roles=["handler"], form=bpmn_id, org_unit_id=unit.id,
                                    org_path=unit.path, state="completed", opened_at=received, closed_at=closed_at,
                                    submitted=submitted))
        db.session.flush()
        self.cases[no] = case
        return case


RECTIFIED = {"measures": "增开窗口", "result": "已整改", "action": "done"}


def build_november(world) -> Scenario:
    s = Scenario(world)
    hr = dict(org="A-HR", item="ITEM-HR-1", staff="handler_a", window="A-W1")
    for no, minute in ((1, 0), (2, 10), (3, 20), (4, 30), (5, 40)):
        s.service_case(no, finished=local(2026, 11, 2, 9, minute), **hr)
    for no, minute in ((6, 0), (7, 10), (8, 20), (9, 30)):
        s.service_case(no, finished=local(2026, 11, 3, 9, minute), **hr)
    s.service_case(10, "A-MKT", "ITEM-MKT-1", "handler_m", local(2026, 11, 4, 9, 0))
    s.service_case(11, "A-MKT", "ITEM-MKT-1", "handler_m", local(2026, 11, 4, 9, 10))
    s.service_case(12, "B-HR", "ITEM-BHR-1", "handler_b", local(2026, 11, 4, 9, 20))
    s.service_case(13, finished=local(2026, 10, 31, 23, 30), **hr)
    s.evaluate(1, 5, "web")
    s.evaluate(2, 4, "window_device")
    s.evaluate(3, 3, "window_device")
    s.evaluate(4, 4, "window_device", source="default", real_name=False)
    s.evaluate(5, 2, "window_device", reasons=["attitude", "efficiency"])
    s.evaluate(6, 1, "qr_code", reasons=["efficiency"])
    s.evaluate(7, 1, "window_device", adopted=False)
    s.evaluate(10, 5, "app")
    s.evaluate(11, 2, "app", real_name=False, reasons=["efficiency"])
    s.evaluate(12, 5, "web")
    s.evaluate(13, 1, "window_device")
    s.bad_case(5, status="closed", received=local(2026, 11, 2, 10, 0), deadline=local(2026, 11, 10, 0, 0),
               closed=local(2026, 11, 9, 15, 0),
               tasks=(("classify", local(2026, 11, 2, 11, 0), {"category": "general", "aspect": "attitude"}),
                      ("rectify", local(2026, 11, 6, 10, 0), RECTIFIED),
                      ("feedback", local(2026, 11, 6, 11, 0), {"feedback_text": "已反馈"}),
                      ("return_visit", local(2026, 11, 9, 10, 0), {"reached": True, "satisfaction": "satisfied"}),
                      ("close_out", local(2026, 11, 9, 15, 0), {"approved": True})))
    s.bad_case(6, received=local(2026, 11, 3, 10, 0), deadline=local(2026, 11, 11, 0, 0), overdue=True,
               tasks=(("classify", local(2026, 11, 3, 11, 0), {"category": "complex", "aspect": "efficiency"}),))
    s.bad_case(7, status="not_adopted", received=local(2026, 11, 3, 10, 0), closed=local(2026, 11, 4, 10, 0))
    s.bad_case(11, received=local(2026, 11, 4, 10, 0), deadline=local(2026, 11, 12, 0, 0),
               tasks=(("classify", local(2026, 11, 4, 11, 0), {"category": "general", "aspect": "efficiency"}),
                      ("rectify", local(2026, 11, 13, 10, 0), RECTIFIED),
                      ("feedback", local(2026, 11, 13, 11, 0), {"feedback_text": "已反馈"})))
    s.bad_case(13, received=local(2026, 11, 1, 10, 0), deadline=local(2026, 11, 9, 0, 0))
    db.session.commit()
    seal()  # the audit sealing job runs every few seconds, the statistics job every minute
    refresh.run_to_completion(db.session.commit, full=True)
    db.session.commit()
    return s


@pytest.fixture
def november(world) -> Scenario:
    return build_november(world)




@pytest.fixture
def refresh_stats():
    """What the scheduled jobs do: seal the audit events (every few seconds), then bring the daily counts up to
    the audit chain (every minute)."""
    from app.stats.jobs import refresh_daily_counts

    def run() -> int:
        seal()
        return refresh_daily_counts()

    return run
