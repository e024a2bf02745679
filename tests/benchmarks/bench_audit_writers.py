"""Do audit writers still queue behind one another? Prints a table, on PostgreSQL.

    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \
        .venv/bin/python tests/benchmarks/bench_audit_writers.py [--threads 8] [--transactions 10] [--hold-ms 50]

Each of N writer threads runs transactions that append a few audit events and then stay open for the hold time
(the rest of a request's work) before committing. Two write paths are timed in the same run on a throwaway
database: the former one, which took a PostgreSQL advisory lock and read the chain head before appending (so
every writer waited for the previous one to commit), and today's ``audit.record``, which only inserts. Then a
queue of ``--seal-events`` events is sealed, and the sequencer's rate is printed. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import audit, create_app, migrate  # noqa: E402
from app.audit.sequencer import seal_pending  # noqa: E402
from app.db import db  # noqa: E402
from tests.conftest import throwaway_database  # noqa: E402

EVENTS_PER_TRANSACTION = 3
_FORMER_LOCK_KEY = 0x48435041  # the key every writer took before sealing existed


def _former_write_path() -> None:
    """What every writer did before: lock, read the head, append (the lock is held until commit)."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _FORMER_LOCK_KEY})
    db.session.execute(text("SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"))
    _append()


def _append() -> None:
    for i in range(EVENTS_PER_TRANSACTION):
        audit.record(actor="bench", action="bench.write", subject_type="case", subject_id=i, payload={"i": i})


def _run(app, write, threads: int, transactions: int, hold: float) -> float:
    start = threading.Barrier(threads + 1)

    def writer() -> None:
        start.wait()
        for _ in range(transactions):
            with app.app_context():
                write()
                time.sleep(hold)  # the rest of the request, inside the same transaction
                db.session.commit()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began


def _seal(app) -> tuple[int, float]:
    sealed, began = 0, time.perf_counter()
    with app.app_context():
        while (made := seal_pending(5000)) is not None:
            db.session.commit()
            sealed += made.tree_size
    return sealed, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=10, help="per thread")
    parser.add_argument("--hold-ms", type=int, default=50)
    parser.add_argument("--seal-events", type=int, default=20000, help="events queued at once for the sequencer")
    args = parser.parse_args()
    url = os.environ.get("HCP_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("HCP_BENCH_DATABASE_URL must name a PostgreSQL server")
    os.environ["HCP_TEST_DATABASE_URL"] = url
    with throwaway_database(Path(".")) as bench_url:
        migrate.upgrade(bench_url)
        app = create_app({"ENV": "testing", "DATABASE_URL": bench_url})
        try:
            _report(app, args)
        finally:
            app.extensions["db_engine"].dispose()


def _report(app, args) -> None:
    hold = args.hold_ms / 1000
    transactions = args.threads * args.transactions
    floor = args.transactions * hold  # one thread's own holding time: the least any run can take
    print(f"{args.threads} writer threads × {args.transactions} transactions, {EVENTS_PER_TRANSACTION} events each, "
          f"each transaction held open {args.hold_ms} ms; floor (no waiting at all) {floor:.2f} s")
    print(f"{'write path':<48} {'wall s':>8} {'tx/s':>8} {'× floor':>8}")
    for name, write in (("former: advisory lock + read head, per writer", _former_write_path),
                        ("now: insert only (sealed later)", _append)):
        _seal(app)  # start each run with an empty queue
        wall = _run(app, write, args.threads, args.transactions, hold)
        print(f"{name:<48} {wall:>8.2f} {transactions / wall:>8.1f} {wall / floor:>8.2f}")
    with app.app_context():
        audit.record_many([{"actor": "bench", "action": "bench.bulk", "subject_type": "case", "subject_id": i,
                            "payload": {"i": i, "text": "中文"}} for i in range(args.seal_events)])
        db.session.commit()
    sealed, took = _seal(app)
    print(f"sequencer: sealed {sealed} events with checkpoints in {took:.2f} s ({sealed / took:,.0f} events/s)")


if __name__ == "__main__":
    main()
