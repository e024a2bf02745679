"""The write path at provincial scale (issue 10): each figure beside its floor, measured in the same run.

    .venv/bin/python tests/benchmarks/bench_write_path.py [--database sqlite|postgresql|both]
        [--sizes 1000,10000,100000] [--smoke]
    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres  (for PostgreSQL)

For every database and every N (open cases) it prints one table: figure | floor | ratio | goal | met?

1. ``POST /api/v1/evaluations/batch``, 1,000 items, about 10 % bad reviews (Flask test client) — floor: a
   SQLAlchemy Core ``executemany`` of the same number of evaluation rows, one commit.
2. single ``POST /api/v1/evaluations`` from 16 concurrent HTTP clients against ``haochaping serve`` started as
   a subprocess on this database (``--workers`` when the command has it) — floor: one Core insert and commit
   per row from 16 threads.
3. one case's happy path: the bad review and its 7 task completions through the API, median of several
   cases — floor: SpiffWorkflow alone on the same model, serialising and restoring the workflow after every
   step, no database.
4. ``GET /api/v1/tasks`` (a page of 50) and the ``/tasks`` page, p50/p95, for a user who sees about 30 % of the
   open tasks and one who sees about 1 % — floor: the SQL the request sends (captured with SQLAlchemy events),
   replayed on a raw DBAPI cursor.
5. the scheduler's timer job with nothing due, at N open cases (the last lines show how it grows with N).
6. timers fired per second: K cases whose reminder and deadline timers are due, one run of the timer job.
The statistics row is bench_stats.py's.

The data: see write_path_data.py (templates through the API, then copies set-wise). N grows in steps within
one database; the cases of one step stay for the next. Every database is a throwaway one: an SQLite file in
a temporary directory, or a new database on the server of HCP_BENCH_DATABASE_URL, dropped at the end.
``--smoke`` (N = 200, few repetitions) only checks that every row runs and produces a number.
Nothing here asserts a time: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from tests.benchmarks import write_path_rows as rows  # noqa: E402
from tests.benchmarks.write_path_bench import Bench  # noqa: E402
from tests.fixtures.databases import postgres_database  # noqa: E402


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    batch: int
    requests: int
    clients: int
    samples: int
    happy_cases: int
    timers: int
    workers: int
    smoke: bool


def parse_options(argv: list[str] | None = None) -> tuple[Options, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"),
                        default="both" if os.environ.get("HCP_BENCH_DATABASE_URL") else "sqlite")
    parser.add_argument("--sizes", default="1000,10000,100000", help="open cases, comma separated")
    parser.add_argument("--smoke", action="store_true", help="N = 200 and few repetitions: does every row run?")
    parser.add_argument("--batch", type=int, default=1000, help="items in the batch request")
    parser.add_argument("--requests", type=int, default=320, help="single posts against the server")
    parser.add_argument("--samples", type=int, default=30, help="requests per inbox figure")
    parser.add_argument("--timers", type=int, default=100, help="cases with due timers for row 6")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server worker processes")
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if args.smoke:
        return Options((200,), 50, 32, 16, 3, 2, 20, args.workers, True), databases
    sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(","))
    return Options(sizes, args.batch, args.requests, 16, args.samples, 5, args.timers, args.workers,
                   False), databases


@contextmanager
def throwaway_database(kind: str):
    """An SQLite file in a temporary directory, or a new database on HCP_BENCH_DATABASE_URL's server."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hcp-bench-") as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    server = os.environ.get("HCP_BENCH_DATABASE_URL")
    if not server:
        raise SystemExit("set HCP_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/postgres")
    with postgres_database(server, prefix="hcp_bench") as created:
        yield created


def run_database(kind: str, options: Options) -> list[rows.Row]:
    """Every size on one throwaway database; returns every row measured."""
    measured: list[rows.Row] = []
    with throwaway_database(kind) as url:
        bench = Bench(url, options)
        try:
            for size in options.sizes:
                bench.grow_to(size)
                table = rows.measure_all(bench, size)
                rows.print_table(bench.label, size, table)
                measured += table
            rows.print_tick_trend(bench.label, measured)
        finally:
            bench.close()
    return measured


def main(argv: list[str] | None = None) -> int:
    options, databases = parse_options(argv)
    if databases == ["sqlite"] and not os.environ.get("HCP_BENCH_DATABASE_URL"):
        print("PostgreSQL left out: set HCP_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/postgres")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    measured = []
    for kind in databases:
        measured += run_database(kind, options)
    print("\nstatistics over 10 million evaluations: see tests/benchmarks/bench_stats.py --evaluations 10000000")
    missing = [f"{r.database} N={r.size}: {r.label}" for r in measured
               if not (isinstance(r.figure, float) and math.isfinite(r.figure) and r.figure > 0)]
    if missing:
        print("rows without a figure:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    if options.smoke:
        print(f"smoke: all {len(measured)} rows ran and produced a figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
