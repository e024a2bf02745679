"""The indicators, defined once: the API, the dashboards, the reports and the snapshots all read this module.

Whose figures: a period's figures are those of the **service cases finished in the period** (local dates,
Asia/Shanghai) under the filter, and of the evaluations and bad-review cases that belong to those service
cases, whenever they arrived. So 参评率 can never pass 100 %, and a closed month keeps its cohort.

Not-adopted evaluations (误评、恶意评价、申诉成立) are excluded from every rate and reported apart
(``not_adopted``, ``not_adopted_bad``, ``not_adopted_cases``). Default ratings (``source = default``) count as
evaluated but never as active and never as bad. With a channel filter, evaluation counts keep that channel only,
while "finished" stays every finished service case, so the rates of all channels add up to the total.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

GOOD_LEVELS = (3, 4, 5)  # 非常满意、满意、基本满意: 好评
# 满意率 counts the top three levels (DOMAIN.md glossary), the same levels as 好评率; a province that publishes
# 满意率 as 非常满意 + 满意 only sets STATS_SATISFIED_LEVELS = (4, 5).
SATISFIED_LEVELS = (3, 4, 5)
BAD_LEVELS = (1, 2)  # 不满意、非常不满意: 差评
SATISFIED_VISITS = ("satisfied", "basically_satisfied")


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    formula: str
    kind: str = "rate"  # rate (a share, 0–1) | count | days


DEFINITIONS: tuple[Definition, ...] = (
    Definition("finished", "办件量", "本期办结的办件数", "count"),
    Definition("evaluated", "评价量", "本期办件中已评价（主动评价与默认评价，不含不予采纳）的件数", "count"),
    Definition("participation_rate", "参评率", "评价量 ÷ 办件量"),
    Definition("active_rate", "主动评价率", "主动评价数 ÷ 办件量（默认评价不计）"),
    Definition("unevaluated_rate", "未评率", "尚无任何评价的办件数 ÷ 办件量"),
    Definition("good_rate", "好评率", "非常满意、满意、基本满意的评价数 ÷ 评价量（含默认评价）"),
    Definition("active_good_rate", "主动评价好评率", "主动评价中非常满意、满意、基本满意的件数 ÷ 主动评价数"),
    Definition("satisfaction_rate", "满意率",
               "满意等级的评价数 ÷ 评价量（默认非常满意、满意、基本满意，同好评率；可配置为满意及以上）"),
    Definition("bad_rate", "差评率", "不满意、非常不满意的评价数 ÷ 评价量（默认评价从不为差评）"),
    Definition("bad_reviews", "差评数", "采纳的差评数（每条差评对应一张差评工单）", "count"),
    Definition("bad_reply_rate", "差评回复率", "已完成“反馈评价人”的差评工单数 ÷ 采纳的差评工单数"),
    Definition("on_time_rectification_rate", "按期整改率",
               "每一轮整改都在该轮期限内完成的工单数 ÷ 至少一轮整改已完成或期限已届满的工单数（首轮以原整改期限或"
               "经批准延长后的期限为准；回访不满意退回重新整改的，以重新整改期限为准；后一轮不改变前一轮的期限）"),
    Definition("return_visit_rate", "回访率", "已回访并联系到评价人的实名差评工单数 ÷ 采纳的实名差评工单数"),
    Definition("return_visit_satisfaction_rate", "回访整改满意率",
               "最近一次回访中对整改“满意”或“基本满意”的工单数 ÷ 已回访并联系到评价人的工单数"),
    Definition("overdue_cases", "超期工单数", "采纳的差评工单中整改超期（已发起督办）的件数", "count"),
    Definition("avg_working_days_to_close", "平均办结工作日",
               "已销号工单从收到差评到销号的法定工作日数（不含收到当日）的平均值", "days"),
    Definition("not_adopted", "不予采纳评价数", "不予采纳的评价数（单列，不计入以上任何指标）", "count"),
    Definition("not_adopted_cases", "不予采纳工单数", "以不予采纳结束的差评工单数（单列）", "count"),
)
BY_CODE = {d.code: d for d in DEFINITIONS}

# Said wherever a rate is shown (DOMAIN.md, "Counting rules for the indicators").
COUNTING_BASIS = ("按办结时间统计：某一期间统计在该期间办结的办件，以及这些办件的评价和差评工单"
                  "（无论评价、工单何时产生）。不予采纳的评价（申诉成立、确认无效）不计入差评数和各项比率，其办件仍计入办件量，且不算作未评。")


@dataclass
class CaseFigures:
    """Counts of the bad-review-case side (see ``app.stats.cases``)."""

    cases: int = 0  # adopted bad-review cases
    replied: int = 0
    rectify_due: int = 0
    rectified_on_time: int = 0
    real_name: int = 0
    visited: int = 0
    visit_satisfied: int = 0
    overdue: int = 0
    closed: int = 0
    working_days_to_close: int = 0
    not_adopted_cases: int = 0

    def merge(self, other: CaseFigures) -> None:
        for name in CASE_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


CASE_FIELDS = tuple(CaseFigures.__dataclass_fields__)


@dataclass
class Tally:
    """Counts of the evaluation side for one filter (see ``app.stats.counts``), with the case side when it
    was read from the daily counts."""

    finished: int = 0
    unevaluated: int = 0
    active: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    default: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    not_adopted: int = 0
    not_adopted_bad: int = 0
    channels: dict[str, int] = field(default_factory=dict)  # active, adopted evaluations per channel
    cases: CaseFigures = field(default_factory=CaseFigures)

    @property
    def active_total(self) -> int:
        return sum(self.active.values())

    @property
    def evaluated(self) -> int:
        return self.active_total + sum(self.default.values())

    def level_count(self, levels, *, active_only: bool = False) -> int:
        return sum(self.active[lv] + (0 if active_only else self.default[lv]) for lv in levels)

    def levels(self) -> dict[int, int]:
        return {lv: self.active[lv] + self.default[lv] for lv in range(5, 0, -1)}  # best first

    def merge(self, other: Tally) -> None:
        self.finished += other.finished
        self.unevaluated += other.unevaluated
        self.not_adopted += other.not_adopted
        self.not_adopted_bad += other.not_adopted_bad
        for lv in range(1, 6):
            self.active[lv] += other.active[lv]
            self.default[lv] += other.default[lv]
        for channel, n in other.channels.items():
            self.channels[channel] = self.channels.get(channel, 0) + n
        self.cases.merge(other.cases)


def ratio(numerator: int, denominator: int) -> float | None:
    """A share rounded to four places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def satisfied_levels() -> tuple[int, ...]:
    levels = tuple(sorted({int(level) for level in current_app.config["STATS_SATISFIED_LEVELS"]}))
    if not levels or not set(levels) <= set(GOOD_LEVELS):
        raise ValueError(f"STATS_SATISFIED_LEVELS must be among the good levels {GOOD_LEVELS}, not {levels}")
    return levels


def compute(tally: Tally, cases: CaseFigures) -> list[dict]:
    """Every indicator with its value, numerator and denominator, in the order of ``DEFINITIONS``."""
    evaluated, active = tally.evaluated, tally.active_total
    parts: dict[str, tuple[int, int | None]] = {
        "finished": (tally.finished, None),
        "evaluated": (evaluated, None),
        "participation_rate": (evaluated, tally.finished),
        "active_rate": (active, tally.finished),
        "unevaluated_rate": (tally.unevaluated, tally.finished),
        "good_rate": (tally.level_count(GOOD_LEVELS), evaluated),
        "active_good_rate": (tally.level_count(GOOD_LEVELS, active_only=True), active),
        "satisfaction_rate": (tally.level_count(satisfied_levels()), evaluated),
        "bad_rate": (tally.level_count(BAD_LEVELS), evaluated),
        "bad_reviews": (tally.level_count(BAD_LEVELS), None),
        "bad_reply_rate": (cases.replied, cases.cases),
        "on_time_rectification_rate": (cases.rectified_on_time, cases.rectify_due),
        "return_visit_rate": (cases.visited, cases.real_name),
        "return_visit_satisfaction_rate": (cases.visit_satisfied, cases.visited),
        "overdue_cases": (cases.overdue, None),
        "avg_working_days_to_close": (cases.working_days_to_close, cases.closed),
        "not_adopted": (tally.not_adopted, None),
        "not_adopted_cases": (cases.not_adopted_cases, None),
    }
    return [_present(definition, *parts[definition.code]) for definition in DEFINITIONS]


def _present(definition: Definition, numerator: int, denominator: int | None) -> dict:
    if definition.kind == "count":
        value: float | int | None = numerator
    elif definition.kind == "days":
        value = round(numerator / denominator, 2) if denominator else None
    else:
        value = ratio(numerator, denominator or 0)
    return {"code": definition.code, "name": definition.name, "kind": definition.kind, "value": value,
            "numerator": numerator, "denominator": denominator}


def as_map(indicators: list[dict]) -> dict[str, dict]:
    return {i["code"]: i for i in indicators}


def markdown_table() -> str:
    """The definitions as a Markdown table, for the OpenAPI description."""
    rows = [f"| `{d.code}` | {d.name} | {d.formula} |" for d in DEFINITIONS]
    return "\n".join(["| code | 指标 | 口径 |", "|---|---|---|", *rows])
