"""Pre-aggregated daily counts and frozen monthly snapshots."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.service_case.models import ServiceCase

LEVEL_COLUMNS = tuple(f"{source}_{level}" for source in ("active", "default") for level in range(1, 6))
# The bad-review-case side, one column per field of ``app.stats.indicators.CaseFigures``.
CASE_COLUMNS = ("case_cases", "case_replied", "case_rectify_due", "case_rectified_on_time", "case_real_name",
                "case_visited", "case_visit_satisfied", "case_overdue", "case_closed", "case_working_days_to_close",
                "case_not_adopted_cases")


class StatsDaily(Base):
    """Service cases finished on one local day, counted per handling unit, window and evaluation channel.

    ``channel`` is the evaluation's channel, NULL for service cases not evaluated yet. Counts cover adopted
    evaluations by source and level; not-adopted ones are counted apart; ``case_*`` hold the bad-review-case
    side (rectification due "as of" the rebuild: the deadline's own timer event triggers one). Rebuilt per
    day from the raw tables (``app.stats.daily``), never edited: the raw tables stay the definition.
    """

    __tablename__ = "stats_daily"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    org_unit_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(32))
    finished: Mapped[int] = mapped_column(Integer, default=0)
    active_1: Mapped[int] = mapped_column(Integer, default=0)
    active_2: Mapped[int] = mapped_column(Integer, default=0)
    active_3: Mapped[int] = mapped_column(Integer, default=0)
    active_4: Mapped[int] = mapped_column(Integer, default=0)
    active_5: Mapped[int] = mapped_column(Integer, default=0)
    default_1: Mapped[int] = mapped_column(Integer, default=0)
    default_2: Mapped[int] = mapped_column(Integer, default=0)
    default_3: Mapped[int] = mapped_column(Integer, default=0)
    default_4: Mapped[int] = mapped_column(Integer, default=0)
    default_5: Mapped[int] = mapped_column(Integer, default=0)
    not_adopted: Mapped[int] = mapped_column(Integer, default=0)
    not_adopted_bad: Mapped[int] = mapped_column(Integer, default=0)
    case_cases: Mapped[int] = mapped_column(Integer, default=0)
    case_replied: Mapped[int] = mapped_column(Integer, default=0)
    case_rectify_due: Mapped[int] = mapped_column(Integer, default=0)
    case_rectified_on_time: Mapped[int] = mapped_column(Integer, default=0)
    case_real_name: Mapped[int] = mapped_column(Integer, default=0)
    case_visited: Mapped[int] = mapped_column(Integer, default=0)
    case_visit_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    case_overdue: Mapped[int] = mapped_column(Integer, default=0)
    case_closed: Mapped[int] = mapped_column(Integer, default=0)
    case_working_days_to_close: Mapped[int] = mapped_column(Integer, default=0)
    case_not_adopted_cases: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_stats_daily_day_org_unit_id", "day", "org_unit_id"),)


class StatsHotspot(Base):
    """Adopted evaluations of the service cases finished on one local day (``span`` "day"), or in one whole
    calendar month starting at ``day`` (``span`` "month", summed from the day rows so a year reads twelve
    rows per key), counted per hot-spot dimension and key (an item, department, window or staff member),
    with the handling unit, window and channel the filters need. ``bad`` and ``good`` count evaluation
    levels (the staff ranking); ``bad_reviews`` counts bad-review cases still adopted (the hot spots).
    Rebuilt with the daily counts (``app.stats.daily``); the raw tables stay the definition.
    """

    __tablename__ = "stats_hotspot"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    span: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[int] = mapped_column(Integer)
    org_unit_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    bad_reviews: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_stats_hotspot_dimension_span_day", "dimension", "span", "day"),)


class StatsHotspotReason(Base):
    """Reason codes (``kind`` "reason") and classified aspects ("aspect") of the adopted bad reviews of the
    service cases finished on one local day, per hot-spot dimension and key. Only the few leading keys are
    ever read, so there are day rows only."""

    __tablename__ = "stats_hotspot_reason"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[int] = mapped_column(Integer)
    org_unit_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(64))
    reviews: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_stats_hotspot_reason_day", "day"),
                      Index("ix_stats_hotspot_reason_dimension_key_id_day", "dimension", "key_id", "day"))


class StatsRefreshState(Base):
    """How far the daily counts have followed the audit chain, and the progress of the refresh (one row)."""

    __tablename__ = "stats_refresh_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rebuild_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a run is busy (its heartbeat)
    rebuild_done: Mapped[int | None] = mapped_column(Integer)  # days rebuilt by the current or last run
    rebuild_total: Mapped[int | None] = mapped_column(Integer)


class StatsSnapshot(Base):
    """A closed month's figures for one org unit, frozen with a SHA-256 over their canonical JSON.

    Version 1 is the close; each correction is a new version with its reason. The highest version is
    the published one; earlier versions stay for the record.
    """

    __tablename__ = "stats_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("org_unit_id", "month", "version", name="uq_stats_snapshot_version"),
                      Index("ix_stats_snapshot_month", "month"))


# Statistics filter service cases by period with staff and window; the foundation indexed only items.
Index("ix_service_case_staff_id_finished_at", ServiceCase.staff_id, ServiceCase.finished_at)
Index("ix_service_case_window_id_finished_at", ServiceCase.window_id, ServiceCase.finished_at)
