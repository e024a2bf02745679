"""Capacity on PostgreSQL: rows and bytes per evaluation and per bad-review case, measured through the app's normal
paths, and what they come to for a province's year.

    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres python tests/benchmarks/capacity.py
    [--evaluations 20000] [--bad-share 0.1] [--closed-cases 100] [--per-year 100000000]

A throwaway database is created on that server and dropped at the end. The test suite's org tree and accounts are
built, then four steps each measured on its own: (0) service cases registered with ``service_case.create_many``
(the bulk path of imports); (1) good ratings through ``POST /api/v1/evaluations/batch`` (1,000 per call); (2) bad
ratings the same way, each opening its case; (3) some of those cases driven through the happy path (7 task
completions through the task API) to close-out. After each step, compacted with VACUUM FULL (live rows only): exact
row counts and ``pg_total_relation_size`` (heap, TOAST and indexes) per table, and the WAL written
(``pg_current_wal_lsn``; cluster-wide, so run it on a server with nothing else writing); at the end, the size of a
``pg_dump -Fc`` backup against the database's.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app, migrate  # noqa: E402
from app.db import db  # noqa: E402
from tests.benchmarks.write_path_bench import HAPPY_PATH  # noqa: E402
from tests.fixtures.databases import postgres_database  # noqa: E402
from tests.fixtures.world import build_world  # noqa: E402

BATCH = 1000
SIZES = """SELECT c.relname, pg_total_relation_size(c.oid), pg_table_size(c.oid), pg_indexes_size(c.oid)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"""


@contextmanager
def throwaway_database():
    server = os.environ.get("HCP_BENCH_DATABASE_URL", "")
    if not server.startswith("postgresql"):
        sys.exit("需要 PostgreSQL：设置 HCP_BENCH_DATABASE_URL=postgresql+psycopg://用户@主机:端口/postgres")
    with postgres_database(server, prefix="hcp_capacity") as created:
        yield created


class Snapshot:
    """Rows and bytes per table, and the WAL position, at one moment."""

    def __init__(self, engine) -> None:
        with engine.connect() as conn:
            self.sizes = {name: (total, heap, index) for name, total, heap, index in conn.execute(text(SIZES))}
            self.rows = {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in self.sizes}
            self.wal = int(conn.scalar(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")))

    def minus(self, before: Snapshot) -> dict[str, tuple[int, int, int, int]]:
        """Per table that changed: (rows, total bytes, heap + TOAST bytes, index bytes) added since ``before``."""
        changed = {}
        for name, (total, heap, index) in self.sizes.items():
            old = before.sizes.get(name, (0, 0, 0))
            added = (self.rows[name] - before.rows.get(name, 0), total - old[0], heap - old[1], index - old[2])
            if any(added):
                changed[name] = added
        return changed


class Load:
    def __init__(self, url: str) -> None:
        migrate.upgrade(url)
        self.app = create_app({"ENV": "development", "DATABASE_URL": url, "SCHEDULER_ENABLED": False,
                               "PASSWORD_HASH_PROFILE": "CHEAPEST"})
        logging.getLogger().setLevel(logging.WARNING)
        self.engine = self.app.extensions["db_engine"]
        self.client = self.app.test_client()
        with self.app.app_context():
            self.world = build_world()
            db.session.commit()
        self.counter = 0

    def service_cases(self, count: int) -> list[str]:
        """``count`` finished service cases of 甲县人社局, registered in bulk as an import does."""
        from app.service_case import service as service_cases
        from app.user.principal import Principal
        from app.user.service import get_by_username

        now = datetime.now(UTC)
        numbers = [f"CAP-{self.counter + i:08d}" for i in range(count)]
        self.counter += count
        with self.app.app_context():
            principal = Principal.for_user(get_by_username("client_c"))
            for start in range(0, count, BATCH):
                rows = [{"case_no": no, "item_code": "ITEM-HR-1", "org_code": "A-HR", "window_code": "A-W1",
                         "channel": "window", "applicant_kind": "natural_person", "applicant_name": "王小明",
                         "applicant_phone": "13912345678", "applicant_cert_no": "320102199001011234",
                         "accepted_at": now - timedelta(days=1), "finished_at": now - timedelta(hours=2)}
                        for no in numbers[start:start + BATCH]]
                results = service_cases.create_many(rows, principal=principal)
                refused = [r for r in results if r.status != "created"]
                if refused:
                    raise RuntimeError(f"{len(refused)} service cases not created, first: {refused[0]}")
                db.session.commit()
        return numbers

    def evaluate(self, numbers: list[str], bad: bool) -> list[int]:
        """Ratings for these service cases through the batch endpoint; the ids of the cases opened."""
        evaluated_at = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
        cases = []
        for start in range(0, len(numbers), BATCH):
            items = [{"service_case_no": no, "level": (1, 2)[i % 2] if bad else (5, 4, 5, 3)[i % 4],
                      "channel": "window_device", "real_name": i % 3 != 0,
                      "comment": "办事等待时间太长，窗口人员态度冷淡" if bad else ("很满意" if i % 5 == 0 else None),
                      "reasons": ["efficiency", "attitude"] if bad else [], "evaluated_at": evaluated_at}
                     for i, no in enumerate(numbers[start:start + BATCH], start)]
            answer = self.client.post("/api/v1/evaluations/batch", json={"items": items},
                                      headers=self.world.headers("client_c"))
            body = answer.get_json()
            if answer.status_code != 200 or body["rejected"]:
                raise RuntimeError(f"batch refused: {answer.status_code} {str(body)[:500]}")
            cases += [r["bad_review_case_id"] for r in body["results"] if r.get("bad_review_case_id")]
        return cases

    def close(self, case_id: int) -> None:
        """The happy path to close-out through the task API, as the lanes' workers."""
        for bpmn_id, submitted in HAPPY_PATH:
            detail = self.api("GET", f"/api/v1/cases/{case_id}", "auditor_c")
            task = next(t for t in detail["current_tasks"] if t["task"] == bpmn_id)
            who = "handler_a" if task["lane"] == "department" else "supervisor_a"
            self.api("POST", f"/api/v1/tasks/{task['id']}/complete", who, {"data": submitted})

    def api(self, method: str, path: str, who: str, body=None):
        answer = self.client.open(path, method=method, json=body, headers=self.world.headers(who))
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.get_data(as_text=True)[:400]}")
        return answer.get_json()


def compact(engine) -> None:
    """VACUUM FULL: the sizes then hold the live rows only, as they stay once autovacuum reuses dead row versions."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL"))


def measured(load: Load, label: str, count: int, work) -> tuple[str, int, dict, int]:
    compact(load.engine)
    before = Snapshot(load.engine)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    after = Snapshot(load.engine)  # WAL as written
    compact(load.engine)
    wal = after.wal - before.wal
    after = Snapshot(load.engine)
    print(f"{label}: {count:,} in {seconds:.1f} s ({count / seconds:,.1f}/s)", flush=True)
    return label, count, after.minus(before), wal


def print_step(label: str, count: int, added: dict, wal: int) -> tuple[int, int]:
    print(f"\n### {label}, per item ({count:,} items)\n")
    print("| table | rows | bytes (heap + TOAST) | bytes (indexes) | bytes (total) |\n|---|---|---|---|---|")
    totals = [0, 0, 0]
    for name, (rows, total, heap, index) in sorted(added.items(), key=lambda item: -item[1][1]):
        print(f"| {name} | {rows / count:.2f} | {heap / count:,.0f} | {index / count:,.0f} | {total / count:,.0f} |")
        totals = [totals[0] + heap, totals[1] + index, totals[2] + total]
    print(f"| **all tables** | | {totals[0] / count:,.0f} | {totals[1] / count:,.0f} | {totals[2] / count:,.0f} |")
    print(f"| WAL written | | | | {wal / count:,.0f} |")
    return totals[2] // count, wal // count


def project(per_year: int, bad_share: float, service_case: tuple[int, int], good: tuple[int, int],
            bad: tuple[int, int], closed: tuple[int, int], dump_ratio: float) -> None:
    """Every evaluation comes with its service case; every bad one with its case, closed."""
    bad_count = per_year * bad_share
    size = per_year * service_case[0] + (per_year - bad_count) * good[0] + bad_count * (bad[0] + closed[0])
    wal = per_year * service_case[1] + (per_year - bad_count) * good[1] + bad_count * (bad[1] + closed[1])
    gib = 1024 ** 3
    print(f"\n### {per_year:,} evaluations a year with their service cases, {bad_share:.1%} bad (each case closed)\n")
    print("| figure | per year |\n|---|---|")
    print(f"| database size (tables, TOAST, indexes) | {size / gib:,.0f} GiB |")
    print(f"| WAL written | {wal / gib:,.0f} GiB |")
    print(f"| pg_dump -Fc backup ({dump_ratio:.0%} of the database, as in this run) | "
          f"{size * dump_ratio / gib:,.0f} GiB |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evaluations", type=int, default=20_000)
    parser.add_argument("--bad-share", type=float, default=0.1)
    parser.add_argument("--closed-cases", type=int, default=100)
    parser.add_argument("--per-year", type=int, default=100_000_000)
    args = parser.parse_args()
    bad_count = int(args.evaluations * args.bad_share)
    good_count = args.evaluations - bad_count
    with throwaway_database() as url:
        load = Load(url)
        numbers: list[str] = []
        steps = [measured(load, "service cases (bulk registration, as an import)", args.evaluations,
                          lambda: numbers.extend(load.service_cases(args.evaluations)))]
        good_numbers, bad_numbers = numbers[:good_count], numbers[good_count:]
        steps.append(measured(load, "good ratings (batch API)", good_count,
                              lambda: load.evaluate(good_numbers, False)))
        cases: list[int] = []
        steps.append(measured(load, "bad ratings with their open cases (batch API)", bad_count,
                              lambda: cases.extend(load.evaluate(bad_numbers, True))))
        closed = min(args.closed_cases, len(cases))
        steps.append(measured(load, "closing a case: 7 task completions (task API), added to the open case", closed,
                              lambda: [load.close(case_id) for case_id in cases[:closed]]))
        per_item = [print_step(*step) for step in steps]
        with tempfile.TemporaryDirectory() as tmp:
            from app.backup import postgres

            dump = Path(tmp) / "capacity.dump"
            postgres.backup(make_url(url), dump)
            dump_size = dump.stat().st_size
        database_size = sum(total for total, _heap, _index in Snapshot(load.engine).sizes.values())
        load.engine.dispose()
    ratio = dump_size / database_size
    print(f"\npg_dump -Fc of the whole database: {dump_size:,} bytes, {ratio:.0%} of its {database_size:,} bytes")
    project(args.per_year, args.bad_share, *per_item, ratio)
    if args.bad_share > 0.01:
        project(args.per_year, 0.01, *per_item, ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
