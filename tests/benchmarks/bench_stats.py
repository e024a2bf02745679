"""Statistics over one million evaluations on PostgreSQL: prints how long each question takes.

    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python tests/benchmarks/bench_stats.py [--evaluations 1000000] [--keep NAME]

A throwaway database is created next to the one named (and dropped afterwards unless ``--keep`` names it, in
which case an existing database of that name is reused without loading again, after its migrations are brought
to head). The data is generated in SQL: a province with 3 cities and 9 counties, 90 departments with 5 staff
and 3 items each, a hall with 10 windows per county, service cases spread over 2026, about 91 % of them
evaluated, 3 % of those bad reviews with their cases. Written without audit events, so the daily and hot-spot
counts are then rebuilt once (``refresh.run_to_completion(full=True)``), as after any bulk load.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import create_app, migrate  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.db import db  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.stats import counts, hotspots, refresh, service  # noqa: E402
from app.stats.filters import StatsFilter  # noqa: E402

NOW = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)

ORG_SQL = """
INSERT INTO org_unit (id, code, name, level, parent_id, path) VALUES (1, 'P', '某省', 'province', NULL, '/1/');
INSERT INTO org_unit (id, code, name, level, parent_id, path)
  SELECT 1 + c, 'C' || c, '市' || c, 'city', 1, '/1/' || (1 + c) || '/' FROM generate_series(1, 3) c;
INSERT INTO org_unit (id, code, name, level, parent_id, path)
  SELECT 10 + k, 'K' || k, '县' || k, 'county', 2 + (k - 1) / 3, '/1/' || (2 + (k - 1) / 3) || '/' || (10 + k) || '/'
  FROM generate_series(1, 9) k;
INSERT INTO org_unit (id, code, name, level, parent_id, path)
  SELECT 100 + d, 'D' || d, '部门' || d, 'department', 10 + 1 + d / 10,
         '/1/' || (2 + (d / 10) / 3) || '/' || (11 + d / 10) || '/' || (100 + d) || '/'
  FROM generate_series(0, 89) d;
INSERT INTO org_unit (id, code, name, level, parent_id, path)
  SELECT 300 + k, 'H' || k, '大厅' || k, 'service_hall', 10 + k,
         '/1/' || (2 + (k - 1) / 3) || '/' || (10 + k) || '/' || (300 + k) || '/'
  FROM generate_series(1, 9) k;
INSERT INTO org_unit (id, code, name, level, parent_id, path)
  SELECT 400 + w, 'W' || w, '窗口' || w, 'window', 301 + w / 10,
         '/1/' || (2 + (w / 10) / 3) || '/' || (11 + w / 10) || '/' || (301 + w / 10) || '/' || (400 + w) || '/'
  FROM generate_series(0, 89) w;
INSERT INTO user_account (id, username, display_name, kind, org_unit_id, active, created_at, failed_logins)
  SELECT 1 + s, 'staff' || s, '工作人员' || s, 'person', 100 + s / 5, true, now(), 0 FROM generate_series(0, 449) s;
INSERT INTO service_item (id, code, name, department_id)
  SELECT 1 + i, 'ITEM' || i, '事项' || i, 100 + i / 3 FROM generate_series(0, 269) i;
"""

CASE_SQL = """
INSERT INTO service_case (id, case_no, item_id, org_unit_id, window_id, staff_id, channel, applicant_kind,
                          applicant_name, applicant_phone_hash, accepted_at, finished_at, created_at)
SELECT g, 'SC' || g, 1 + (g % 90) * 3 + (g / 90) % 3, 100 + g % 90, 400 + g % 90, 1 + (g % 90) * 5 + (g / 270) % 5,
       'window', 'natural_person', 'x', 'p' || (g % 400000), ts, ts, ts
FROM (SELECT g, timestamptz '2026-01-01 00:00+08' + (g * (interval '365 days' / :total)) AS ts
      FROM generate_series(1, :total) g) s;
INSERT INTO evaluation (id, service_case_id, org_unit_id, org_path, level, channel, real_name, reasons,
                        evaluated_at, received_at, source, adopted)
SELECT sc.id, sc.id, sc.org_unit_id, u.path,
       CASE WHEN sc.id % 67 = 0 THEN 1 WHEN sc.id % 53 = 0 THEN 2 WHEN sc.id % 5 = 0 THEN 3
            WHEN sc.id % 2 = 0 THEN 4 ELSE 5 END,
       (ARRAY['window_device', 'qr_code', 'web', 'app', 'self_service_terminal', 'hotline', 'sms',
              'paper_form'])[1 + sc.id % 8],
       sc.id % 3 <> 0, '["efficiency"]', sc.finished_at + interval '10 minutes', sc.finished_at + interval '10 minutes',
       CASE WHEN sc.id % 13 = 0 AND sc.id % 67 <> 0 AND sc.id % 53 <> 0 THEN 'default' ELSE 'active' END,
       sc.id % 1009 <> 0
FROM service_case sc JOIN org_unit u ON u.id = sc.org_unit_id
WHERE sc.id % 11 <> 0 AND sc.id <= :total;
INSERT INTO bad_review_case (id, case_no, evaluation_id, responsible_org_id, org_path, received_at, status, closed_at,
                             category, overdue, deadlines, due_provisional, provisional_calculations, lock_version)
SELECT e.id, 'CP' || e.id, e.id, e.org_unit_id, e.org_path, e.received_at,
       CASE WHEN NOT e.adopted THEN 'not_adopted' WHEN e.id % 4 = 0 THEN 'open' ELSE 'closed' END,
       CASE WHEN e.id % 4 = 0 THEN NULL ELSE e.received_at + interval '6 days' END,
       (ARRAY['simple','general','complex'])[1 + e.id % 3], e.id % 17 = 0,
       json_build_object('rectify_deadline', to_char((e.received_at + interval '7 days') AT TIME ZONE 'UTC',
                                                     'YYYY-MM-DD"T"HH24:MI:SS+00:00')),
       false, '[]', 0
FROM evaluation e WHERE e.level <= 2;
INSERT INTO case_task (case_id, task_uuid, bpmn_id, name, lane, roles, form, org_unit_id, org_path, state,
                       due_provisional, opened_at, closed_at, submitted)
SELECT c.id, t.bpmn_id || c.id, t.bpmn_id, t.bpmn_id, 'department', ',handler,', t.bpmn_id, c.responsible_org_id,
       c.org_path,
       'completed', false, c.received_at, c.received_at + t.after, t.submitted::json
FROM bad_review_case c CROSS JOIN (VALUES
  ('classify', interval '1 hour', '{"category": "general", "aspect": "efficiency"}'),
  ('rectify', interval '5 days', '{"action": "done", "measures": "整改", "result": "已整改"}'),
  ('feedback', interval '5 days 1 hour', '{"feedback_text": "已反馈"}'),
  ('return_visit', interval '6 days', '{"reached": true, "satisfaction": "satisfied"}')) AS t(bpmn_id, after, submitted)
WHERE c.status = 'closed';
"""


def _timed(label: str, func, repeat: int = 3) -> None:
    best = float("inf")
    for _ in range(repeat):
        db.session.rollback()
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<58} {best * 1000:>9.1f} ms")


def _load(url: str, total: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ORG_SQL.strip().split(";\n"):
            conn.execute(text(statement))
        for statement in CASE_SQL.strip().split(";\n"):
            started = time.perf_counter()
            conn.execute(text(statement), {"total": total})
            print(f"  loaded {statement.split()[2]:<16} {time.perf_counter() - started:7.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _questions(app) -> None:
    province, county = org_service.get_by_code("P"), org_service.get_by_code("K5")
    year = StatsFilter(start=date(2026, 1, 1), end=date(2026, 12, 31), roots=(province,))
    month = StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), roots=(county,))
    hall = StatsFilter(start=date(2026, 1, 1), end=date(2026, 12, 31), roots=(org_service.get_by_code("H5"),))
    print(f"{'question':<58} {'best of 3':>12}")
    _timed("summary: province, whole year (daily counts + cases)", lambda: service.summary(year))
    _timed("evaluation counts only: province, whole year", lambda: counts.tally(year))
    _timed("evaluation counts, raw rows: province, whole year", lambda: counts.tally(year, raw=True), repeat=1)
    _timed("summary: one county, one month", lambda: service.summary(month))
    _timed("summary: one service hall (by window), whole year", lambda: service.summary(hall))
    _timed("summary: province year, channel = qr_code", lambda: service.summary(
        StatsFilter(start=year.start, end=year.end, roots=(province,), channels=("qr_code",))))
    _timed("summary: province year, one item (raw rows)", lambda: service.summary(
        StatsFilter(start=year.start, end=year.end, roots=(province,), item_id=42)))
    _timed("summary: province year, one staff member (raw rows)", lambda: service.summary(
        StatsFilter(start=year.start, end=year.end, roots=(province,), staff_id=42)))
    _timed("trend: province, 12 months", lambda: service.trend(year, months=12))
    _timed("breakdown: province → 3 cities", lambda: service.breakdown(year, service.children(province)))
    province_month = StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), roots=(province,))
    _timed("hot spots + staff ranking: province, one month", lambda: service.hot_spots(province_month))
    _timed("hot spots + staff ranking: province, whole year", lambda: service.hot_spots(year))
    _timed("hot spots + staff ranking: province, 3-20 November (days)", lambda: service.hot_spots(
        province_month.with_period(date(2026, 11, 3), date(2026, 11, 20))))
    _timed("hot spots + staff ranking: province year, channel = qr_code", lambda: service.hot_spots(
        StatsFilter(start=year.start, end=year.end, roots=(province,), channels=("qr_code",))))
    _timed("hot spots + staff ranking: one county, one month", lambda: service.hot_spots(month))
    _timed("hot spots: province month, one staff member (raw rows)", lambda: service.hot_spots(
        StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), roots=(province,), staff_id=42)))
    _timed("hot spots, raw rows: province, one month", lambda: service.hot_spots(province_month, raw=True),
           repeat=1)
    _timed("hot spots, raw rows: province, whole year", lambda: service.hot_spots(year, raw=True), repeat=1)
    _timed("low-ranked staff: province, 2 months", lambda: hotspots.low_ranked_staff(province_month, "2026-11"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluations", type=int, default=1_000_000)
    parser.add_argument("--keep", help="name of a database to keep (and reuse when it exists)")
    options = parser.parse_args()
    server = os.environ.get("HCP_BENCH_DATABASE_URL")
    if not server:
        print("set HCP_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/postgres", file=sys.stderr)
        return 2
    name = options.keep or f"hcp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    total = round(options.evaluations * 11 / 10)  # one in eleven service cases stays unevaluated
    try:
        migrate.upgrade(url)  # a kept database gets new migrations (and with them a full rebuild below)
        if not exists:
            print(f"loading {total:,} service cases into {name} …", flush=True)
            _load(url, total)
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        app.extensions["clock"] = FrozenClock(NOW)
        with app.app_context():
            evaluations = db.session.scalar(text("SELECT count(*) FROM evaluation"))
            print(f"{evaluations:,} evaluations, "
                  f"{db.session.scalar(text('SELECT count(*) FROM bad_review_case')):,} bad-review cases")
            # A kept database loaded before the hot-spot counts existed has no audit events to replay.
            if exists and db.session.scalar(text("SELECT count(*) FROM stats_hotspot")):
                _timed("bring the daily counts up to date (nothing changed)",
                       lambda: refresh.run_to_completion(db.session.commit), repeat=1)
            else:
                _timed("rebuild the daily and hot-spot counts (after a bulk load)",
                       lambda: refresh.run_to_completion(db.session.commit, full=True), repeat=1)
            print(f"{db.session.scalar(text('SELECT count(*) FROM stats_daily')):,} daily rows, "
                  f"{db.session.scalar(text('SELECT count(*) FROM stats_hotspot')):,} hot-spot rows, "
                  f"{db.session.scalar(text('SELECT count(*) FROM stats_hotspot_reason')):,} reason rows")
            _questions(app)
        app.extensions["db_engine"].dispose()
    finally:
        if not options.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
