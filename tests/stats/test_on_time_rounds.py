"""按期整改率 counts rectification rounds: each round is measured against the deadline in force for that round
(DOMAIN.md, "Counting rules for the indicators"), with the clock moved through real cases."""
from __future__ import annotations

from datetime import date

import pytest

from app.stats import cases, monthly, service
from app.stats.filters import StatsFilter
from app.stats.indicators import as_map
from tests.fixtures.lifecycle import local

DONE = {"measures": "加强窗口培训", "result": "已整改", "action": "done"}
FEEDBACK = {"feedback_text": "已向评价人说明整改情况", "feedback_channel": "phone",
            "report": {"findings": "属实", "measures": "增开窗口", "result": "已完成", "responsible_person": "李科长"}}


def _november(world) -> StatsFilter:
    return StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), roots=(world.units["A"],))


def _figures(world, clock):
    return cases.figures(cases.load(_november(world)), as_of=clock.now())


def _rectifying(open_case):
    case = open_case(at=local(2026, 11, 16, 9, 0))  # Monday; general: due at the end of Monday 23 November
    case.accept_and_classify("general")
    return case


def _visit(case, clock, at, satisfaction):
    case.do("feedback", FEEDBACK)
    clock.set(at)
    case.do("return_visit", {"reached": True, "satisfaction": satisfaction, "note": "回访"})


def test_a_late_first_round_stays_late_although_the_redo_was_on_time(app, open_case, clock, world):
    case = _rectifying(open_case)
    case.tick(app, local(2026, 11, 24, 9, 0))  # the first deadline has passed: supervision order
    case.do("rectify", DONE)  # late for the first round
    _visit(case, clock, local(2026, 11, 25, 10, 0), "unsatisfied")
    redo_due = case.task("rectify").due_at
    assert redo_due > local(2026, 11, 30, 0, 0)  # the redo deadline lies after the first rectification
    clock.set(local(2026, 11, 26, 10, 0))
    case.do("rectify", DONE)  # on time for the redo round

    figures = _figures(world, clock)
    assert (figures.rectify_due, figures.rectified_on_time) == (1, 0)


def test_a_late_redo_makes_an_on_time_first_round_late(app, open_case, clock, world):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", DONE)  # on time
    _visit(case, clock, local(2026, 11, 19, 10, 0), "unsatisfied")  # redo due at the end of 26 November
    assert _figures(world, clock).rectified_on_time == 1  # the redo is not due yet

    case.tick(app, local(2026, 11, 27, 9, 0))  # the redo deadline has passed, nothing done
    figures = _figures(world, clock)
    assert (figures.rectify_due, figures.rectified_on_time) == (1, 0)
    case.do("rectify", DONE)  # done, but late for the redo round
    assert _figures(world, clock).rectified_on_time == 0


def test_an_approved_extension_that_is_met_counts_as_on_time(app, open_case, clock, world):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", {"measures": "需采购设备", "action": "request_extension", "new_deadline": "2026-11-30",
                        "extension_reason": "设备到货需时", "evaluator_informed": True})
    case.do("approve_extension", {"decision": "approved", "reason": "理由充分"})
    case.tick(app, local(2026, 11, 27, 10, 0))  # after the original deadline, before the extended one
    case.do("rectify", DONE)

    figures = _figures(world, clock)
    assert (figures.rectify_due, figures.rectified_on_time) == (1, 1)


def test_the_quick_reading_the_daily_counts_and_the_monthly_ledger_agree_on_rounds(app, open_case, clock, world):
    from app.db import db
    from app.stats import refresh

    late_first = _rectifying(open_case)
    on_time = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    on_time.do("rectify", DONE)
    late_first.tick(app, local(2026, 11, 24, 9, 0))
    late_first.do("rectify", DONE)
    _visit(late_first, clock, local(2026, 11, 25, 10, 0), "unsatisfied")
    clock.set(local(2026, 11, 26, 10, 0))
    late_first.do("rectify", DONE)

    flt = _november(world)
    assert cases.quick_figures(flt, as_of=clock.now()) == _figures(world, clock)
    refresh.run_to_completion(db.session.commit, full=True)
    indicator = as_map(service.summary(flt)["indicators"])["on_time_rectification_rate"]
    assert (indicator["numerator"], indicator["denominator"]) == (1, 2)
    ledger = {row["case_no"]: row["on_time"]
              for row in monthly.figures(world.units["A"], "2026-11")["rectifications"]}
    assert ledger == {late_first.case.case_no: False, on_time.case.case_no: True}


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
def test_a_single_on_time_round_is_on_time(open_case, clock, world, satisfaction):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 20, 10, 0))
    case.do("rectify", DONE)
    _visit(case, clock, local(2026, 11, 23, 10, 0), satisfaction)
    figures = _figures(world, clock)
    assert (figures.rectify_due, figures.rectified_on_time) == (1, 1)


def test_a_frozen_month_stays_frozen_and_a_late_redo_is_published_by_an_audited_correction(app, open_case, clock,
                                                                                           world, refresh_stats):
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    from app.db import db
    from app.stats import snapshot

    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", DONE)
    case.do("feedback", FEEDBACK)
    clock.set(local(2026, 12, 1, 9, 0))
    refresh_stats()
    frozen = snapshot.close(world.units["A"], "2026-11", actor="sup_lead_a")
    db.session.commit()
    assert as_map(frozen.figures["indicators"])["on_time_rectification_rate"]["value"] == 1.0

    case.do("return_visit", {"reached": True, "satisfaction": "unsatisfied", "note": "仍不满意"})
    case.tick(app, local(2026, 12, 10, 9, 0))  # the redo deadline passed with nothing done
    assert snapshot.published(world.units["A"], "2026-11").figures == frozen.figures  # frozen stays frozen

    corrected = snapshot.correct(world.units["A"], "2026-11", reason="回访不满意后重新整改逾期", actor="sup_lead_a")
    assert as_map(corrected.figures["indicators"])["on_time_rectification_rate"]["value"] == 0.0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.snapshot_corrected")).one()
    assert event.payload["changed"]["on_time_rectification_rate"] == {"from": 1.0, "to": 0.0}
