"""Every indicator against the hand-computed November of tests/stats/conftest.py."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.db import db
from app.evaluation import service as evaluation_service
from app.stats import counts, service
from app.stats.filters import StatsFilter
from app.stats.indicators import as_map
from app.user.principal import Principal
from app.user.service import get_by_username


def _filter(world, *roots, **kwargs) -> StatsFilter:
    return StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30),
                       roots=tuple(world.units[r] for r in roots), **kwargs)


def _values(data) -> dict:
    return {code: item["value"] for code, item in as_map(data["indicators"]).items()}


def test_county_a_in_november_matches_the_hand_computation(november, world):
    values = _values(service.summary(_filter(world, "A")))
    assert values == {
        "finished": 11,  # cases 1–11
        "evaluated": 8,  # 1–6, 10, 11 (7 is not adopted)
        "participation_rate": round(8 / 11, 4),
        "active_rate": round(7 / 11, 4),  # case 4 is a default rating
        "unevaluated_rate": round(2 / 11, 4),  # 8 and 9
        "good_rate": round(5 / 8, 4),  # 1, 2, 3, 4, 10
        "active_good_rate": round(4 / 7, 4),  # 1, 2, 3, 10
        "satisfaction_rate": round(5 / 8, 4),  # 1, 2, 3, 4, 10: the top three levels, as 好评率
        "bad_rate": 0.375,  # 5, 6, 11
        "bad_reviews": 3,
        "bad_reply_rate": round(2 / 3, 4),  # 5 and 11 answered, 6 not
        "on_time_rectification_rate": round(1 / 3, 4),  # 5 on time; 11 late; 6 due and not rectified
        "return_visit_rate": 0.5,  # real-name: 5 (visited) and 6 (not); 11 is anonymous
        "return_visit_satisfaction_rate": 1.0,
        "overdue_cases": 1,  # 6
        "avg_working_days_to_close": 5.0,  # 5: received Mon 2 Nov, closed Mon 9 Nov
        "not_adopted": 1,  # 7
        "not_adopted_cases": 1,
    }


def test_a_province_counting_only_the_top_two_levels_as_satisfied_sets_it_in_the_config(november, world, app,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "STATS_SATISFIED_LEVELS", (4, 5))
    assert _values(service.summary(_filter(world, "A")))["satisfaction_rate"] == 0.5  # 1, 2, 4, 10
    monkeypatch.setitem(app.config, "STATS_SATISFIED_LEVELS", (2, 5))  # a bad review is never "satisfied"
    with pytest.raises(ValueError, match="STATS_SATISFIED_LEVELS"):
        service.summary(_filter(world, "A"))


def test_numerators_and_denominators_are_given_with_every_rate(november, world):
    indicators = as_map(service.summary(_filter(world, "A"))["indicators"])
    assert (indicators["participation_rate"]["numerator"], indicators["participation_rate"]["denominator"]) == (8, 11)
    assert (indicators["bad_reply_rate"]["numerator"], indicators["bad_reply_rate"]["denominator"]) == (2, 3)
    assert indicators["finished"]["denominator"] is None


def test_levels_are_listed_best_first_and_channels_cover_active_evaluations_only(november, world):
    data = service.summary(_filter(world, "A"))
    assert [(lv["level"], lv["count"]) for lv in data["levels"]] == [(5, 2), (4, 2), (3, 1), (2, 2), (1, 1)]
    assert {c["channel"]: c["count"] for c in data["channels"]} == {"window_device": 3, "app": 2, "web": 1,
                                                                    "qr_code": 1}
    assert data["not_adopted"] == {"evaluations": 1, "bad_reviews": 1, "cases": 1}


def test_a_channel_filter_keeps_every_finished_case_as_the_denominator(november, world):
    values = _values(service.summary(_filter(world, "A", channels=("window_device",))))
    assert values["finished"] == 11
    assert values["evaluated"] == 4  # 2, 3, 4 (default) and 5; 7 is not adopted
    assert values["participation_rate"] == round(4 / 11, 4)
    assert values["unevaluated_rate"] == round(2 / 11, 4)
    assert values["bad_reviews"] == 1  # 5
    assert values["bad_reply_rate"] == 1.0


def test_an_item_filter_reads_the_raw_rows(november, world):
    values = _values(service.summary(_filter(world, "A", item_id=world.items["ITEM-MKT-1"].id)))
    assert (values["finished"], values["evaluated"], values["bad_reviews"], values["good_rate"]) == (2, 2, 1, 0.5)
    assert values["bad_reply_rate"] == 1.0


def test_a_staff_filter_counts_that_staff_members_service_cases(november, world):
    staff = get_by_username("handler_m")
    assert _values(service.summary(_filter(world, "C", staff_id=staff.id)))["finished"] == 2


def test_a_service_hall_counts_by_the_window_the_service_was_handled_at(november, world):
    values = _values(service.summary(_filter(world, "A-HALL")))
    assert values["finished"] == 9  # 1–9 at window A-W1; A-MKT's cases had no window


def test_the_city_adds_county_b(november, world):
    assert _values(service.summary(_filter(world, "C")))["finished"] == 12


def test_the_october_case_belongs_to_october(november, world):
    october = StatsFilter(start=date(2026, 10, 1), end=date(2026, 10, 31), roots=(world.units["A"],))
    values = _values(service.summary(october))
    assert (values["finished"], values["bad_reviews"]) == (1, 1)


@pytest.mark.parametrize("roots", [("A",), ("C",), ("A-HALL",), ("A-MKT",)])
def test_daily_counts_equal_the_raw_reading(november, world, roots):
    flt = _filter(world, *roots)
    assert counts.tally(flt, raw=True) == counts.tally(flt, raw=False)


def test_a_new_evaluation_reaches_the_daily_counts_through_the_audit_chain(november, world, clock, refresh_stats):
    flt = _filter(world, "A")
    before = counts.tally(flt)
    service_case = november.service_cases[8]
    evaluated_at = service_case.finished_at + timedelta(hours=1)  # inside the supplementary window
    evaluation_service.create({"service_case_no": service_case.case_no, "level": 5, "channel": "web",
                               "real_name": True, "evaluated_at": evaluated_at},
                              principal=Principal.for_user(get_by_username("client_c")))
    db.session.commit()
    assert counts.tally(flt) == before  # a read shows the counts as of the last refresh; it never refreshes
    refresh_stats()
    after = counts.tally(flt)
    assert after.active[5] == before.active[5] + 1
    assert after == counts.tally(flt, raw=True)


def test_breakdown_gives_each_department_and_hall_its_own_figures(november, world):
    units = [world.units[c] for c in ("A-HR", "A-MKT", "A-HALL")]
    rows = {r["code"]: _values(r) for r in service.breakdown(_filter(world, "A"), units)}
    assert (rows["A-HR"]["finished"], rows["A-MKT"]["finished"], rows["A-HALL"]["finished"]) == (9, 2, 9)
    assert (rows["A-HR"]["bad_reviews"], rows["A-MKT"]["bad_reviews"]) == (2, 1)
    assert rows["A-MKT"]["bad_reply_rate"] == 1.0


@pytest.mark.parametrize("roots", [("A",), ("A-MKT",), ("A-HALL",)])
def test_the_quick_case_figures_equal_the_fold_of_the_loaded_rows(november, world, clock, roots):
    from app.stats import cases

    flt = _filter(world, *roots)
    assert cases.quick_figures(flt, as_of=clock.now()) == cases.figures(cases.load(flt), as_of=clock.now())


def test_work_on_a_case_reaches_the_daily_case_figures(open_case, world, clock, refresh_stats):
    from tests.fixtures.lifecycle import local as local_time

    case = open_case(at=local_time(2026, 11, 16, 9, 0))
    flt = _filter(world, "A")
    refresh_stats()
    assert _values(service.summary(flt))["bad_reply_rate"] == 0.0
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强培训", "result": "已整改", "action": "done"})
    case.do("feedback", {"feedback_text": "已反馈", "feedback_channel": "phone",
                         "report": {"findings": "属实", "measures": "培训", "result": "完成",
                                    "responsible_person": "李"}})
    refresh_stats()
    values = _values(service.summary(flt))
    assert (values["bad_reviews"], values["bad_reply_rate"], values["on_time_rectification_rate"]) == (1, 1.0, 1.0)
    assert counts.tally(flt, raw=True) == counts.tally(flt, raw=False)
