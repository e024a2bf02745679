"""Hot spots and the staff ranking from the hot-spot counts equal the raw reading, before and after changes arrive.

The November of tests/stats/conftest.py, with the ranking's minimum lowered to one evaluation so that every
staff member is ranked: handler_a 2 bad of 6 adopted, handler_m 1 of 2, handler_b 0 of 1 (October: handler_a 1 of 1).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cli import stats_rebuild
from app.db import db
from app.evaluation import service as evaluation_service
from app.stats import hotspots, refresh, service
from app.stats.filters import StatsFilter
from app.stats.models import StatsHotspot
from app.user.principal import Principal
from app.user.service import get_by_username

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture(autouse=True)
def rank_everyone(app, monkeypatch):
    monkeypatch.setitem(app.config, "STATS_RANKING_MIN_EVALUATIONS", 1)


def _filter(world, *roots, period=NOVEMBER, window=None, **kwargs) -> StatsFilter:
    return StatsFilter(start=period[0], end=period[1], roots=tuple(world.units[r] for r in roots),
                       window=world.units[window] if window else None, **kwargs)


def _both(flt: StatsFilter) -> tuple[dict, dict]:
    return service.hot_spots(flt), service.hot_spots(flt, raw=True)


def _counts(result: dict, dimension: str) -> list[tuple[str, int, int]]:
    return [(e["code"], e["bad_reviews"], e["evaluated"]) for e in result["hotspots"][dimension]]


@pytest.mark.parametrize(("roots", "kwargs"), [
    (("A",), {}),
    (("C",), {}),
    (("P",), {}),
    (("A-HALL",), {}),  # a service hall: matched by the window the service was handled at
    (("A-MKT",), {}),
    (("B",), {}),
    (("C",), {"window": "A-W1"}),
    (("A",), {"channels": ("window_device",)}),
    (("C",), {"channels": ("app", "qr_code")}),
    (("C",), {"period": (date(2026, 11, 2), date(2026, 11, 3))}),  # day rows only
    (("C",), {"period": (date(2026, 10, 15), date(2026, 11, 30))}),  # October's days and November's month row
    (("C",), {"period": (date(2026, 1, 1), date(2026, 12, 31))}),  # month rows only
    (("A",), {"period": (date(2026, 10, 31), date(2026, 11, 2)), "channels": ("window_device",)}),
])
def test_the_hot_spot_counts_equal_the_raw_reading(november, world, roots, kwargs):
    counted, raw = _both(_filter(world, *roots, **kwargs))
    assert counted == raw


def test_the_county_month_matches_the_hand_computation(november, world):
    result = service.hot_spots(_filter(world, "A"))
    assert _counts(result, "item") == [("ITEM-HR-1", 2, 6), ("ITEM-MKT-1", 1, 2)]
    assert _counts(result, "department") == [("A-HR", 2, 6), ("A-MKT", 1, 2)]
    assert _counts(result, "window") == [("A-W1", 2, 6)]
    assert _counts(result, "staff") == [("handler_a", 2, 6), ("handler_m", 1, 2)]
    hr = result["hotspots"]["item"][0]
    assert hr["top_reasons"] == [{"code": "efficiency", "count": 2}, {"code": "attitude", "count": 1}]
    assert [(a["code"], a["count"]) for a in hr["top_aspects"]] == [("attitude", 1), ("efficiency", 1)]
    assert [(r["username"], r["evaluated"], r["bad_reviews"]) for r in result["staff_ranking"]] == [
        ("handler_m", 2, 1), ("handler_a", 6, 2)]
    assert [r["username"] for r in result["low_ranked_staff"]] == ["handler_a"]  # also low in October


def test_a_whole_month_is_read_from_its_month_rows(november, world):
    months = db.session.scalar(select(func.count()).select_from(StatsHotspot).where(
        StatsHotspot.span == "month", StatsHotspot.day == date(2026, 11, 1)))
    assert months > 0
    db.session.execute(StatsHotspot.__table__.delete().where(StatsHotspot.span == "day"))
    assert _counts(service.hot_spots(_filter(world, "A")), "item") == [("ITEM-HR-1", 2, 6), ("ITEM-MKT-1", 1, 2)]


def test_item_and_staff_questions_read_the_raw_rows(november, world):
    staff = get_by_username("handler_a")
    result = service.hot_spots(_filter(world, "C", staff_id=staff.id))
    assert _counts(result, "staff") == [("handler_a", 2, 6)]
    assert _counts(result, "department") == [("A-HR", 2, 6)]
    item = _filter(world, "C", item_id=world.items["ITEM-MKT-1"].id)
    assert _counts(service.hot_spots(item), "item") == [("ITEM-MKT-1", 1, 2)]
    assert isinstance(hotspots.reading(item, raw=False), hotspots.RawReading)  # the counts cannot answer it


def _evaluate(service_case, level: int, reasons: list[str]):
    evaluation = evaluation_service.create(
        {"service_case_no": service_case.case_no, "level": level, "channel": "qr_code", "real_name": True,
         "reasons": reasons, "evaluated_at": service_case.finished_at + timedelta(hours=1)},
        principal=Principal.for_user(get_by_username("client_c")))
    db.session.commit()
    return evaluation


def test_a_new_bad_review_reaches_the_hot_spots_through_the_audit_chain(november, world, refresh_stats):
    flt = _filter(world, "C")
    _evaluate(november.service_cases[8], 1, ["environment"])
    refresh_stats()
    counted, raw = _both(flt)
    assert counted == raw
    assert _counts(counted, "item")[0] == ("ITEM-HR-1", 3, 7)
    assert {"code": "environment", "count": 1} in counted["hotspots"]["item"][0]["top_reasons"]
    whole_year = _filter(world, "C", period=(date(2026, 1, 1), date(2026, 12, 31)))
    assert service.hot_spots(whole_year) == service.hot_spots(whole_year, raw=True)


def test_a_classification_and_a_not_adopted_decision_reach_the_hot_spots(november, world, open_case,
                                                                        refresh_stats):
    flt = _filter(world, "A")
    case = open_case()  # 甲县人社局 at window 1, finished today (20 November)
    case.accept_and_classify("general", aspect="quality")
    refresh_stats()
    counted, raw = _both(flt)
    assert counted == raw
    assert _counts(counted, "item")[0] == ("ITEM-HR-1", 3, 7)
    assert ("quality", 1) in [(a["code"], a["count"]) for a in counted["hotspots"]["item"][0]["top_aspects"]]

    appealed = open_case()
    appealed.do("sign_for", {"action": "appeal", "appeal_reason": "评价人误操作", "evidence": "监控录像"})
    appealed.do("appeal_review", {"decision": "upheld", "reason": "录像证实服务规范"})
    assert appealed.case.status == "not_adopted"
    refresh_stats()
    counted, raw = _both(flt)
    assert counted == raw
    assert _counts(counted, "item")[0] == ("ITEM-HR-1", 3, 7)  # the upheld appeal counts nowhere


def test_a_full_rebuild_gives_the_same_counts_as_the_refreshes(november, world, refresh_stats):
    _evaluate(november.service_cases[9], 2, ["attitude"])
    flt = _filter(world, "C", period=(date(2026, 10, 1), date(2026, 11, 30)))
    refresh_stats()
    refreshed = service.hot_spots(flt)
    refresh.run_to_completion(db.session.commit, full=True)
    assert service.hot_spots(flt) == refreshed == service.hot_spots(flt, raw=True)


def test_the_rebuild_command_fills_emptied_aggregates_again(app, november, world):
    flt = _filter(world, "C")
    expected = service.hot_spots(flt, raw=True)
    db.session.query(StatsHotspot).delete()  # as after an upgrade that adds the table
    db.session.commit()
    result = app.test_cli_runner().invoke(stats_rebuild)
    assert result.exit_code == 0, result.output
    assert "已重建" in result.output
    assert db.session.scalar(select(func.count(StatsHotspot.id))) > 0
    assert service.hot_spots(flt) == expected
