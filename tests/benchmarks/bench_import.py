"""`haochaping import` at volume: generates the files, loads them, prints rows per second and checks that the
error report lists exactly the bad rows, on SQLite and (with HCP_BENCH_DATABASE_URL) PostgreSQL.

    .venv/bin/python tests/benchmarks/bench_import.py [--rows 100000] [--sqlite-only]
    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/benchmarks/bench_import.py

Each database gets a county with 10 departments (3 items each), a hall with 10 windows and an integration
account, then four loads through the real command (in process, chunks of 2,000 rows):
  1. service cases, none bad (the cases the evaluations below are for);
  2. service cases, 1 % bad rows of five kinds (unknown unit or item, bad phone, missing name, finished
     before accepted);
  3. the file of 2 again: adds nothing, every good row is "already present";
  4. evaluations of the cases of 1, about 10 % of them bad reviews (each opens its case), 1 % bad rows
     (unknown case, level out of range, unknown channel, rated before the case finished, unreadable yes/no).
A throwaway database is used each time (SQLite file in a temporary directory, or a new PostgreSQL database
next to the one named). Not part of the test suite: it prints figures, it asserts nothing about time.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import create_app, migrate  # noqa: E402
from app.clock import FrozenClock  # noqa: E402
from app.db import db  # noqa: E402
from app.imports import report  # noqa: E402
from app.imports.cli import import_evaluations, import_service_cases  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.org.models import OrgLevel  # noqa: E402
from app.service_case.models import ServiceItem  # noqa: E402
from app.settings import to_local  # noqa: E402
from app.user import service as user_service  # noqa: E402
from app.user.models import AccountKind  # noqa: E402
from tests.fixtures.databases import postgres_database

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
CASE_HEADER = ["办件编号", "事项编码", "办理单位编码", "窗口编码", "办理渠道", "申请人类型", "申请人姓名", "联系电话",
               "受理时间", "办结时间"]
EVALUATION_HEADER = ["办件编号", "评价等级", "评价渠道", "评价时间", "是否实名", "评价原因"]
BAD_EVERY, BAD_AT = 100, 37  # row i is bad when i % 100 == 37: 1 %


def _world() -> None:
    province = org_service.create(code="P", name="某省", level=OrgLevel.province)
    county = org_service.create(code="K", name="某县", level=OrgLevel.county, parent=province)
    hall = org_service.create(code="H", name="政务服务中心", level=OrgLevel.service_hall, parent=county)
    for w in range(10):
        org_service.create(code=f"W{w}", name=f"{w + 1}号窗口", level=OrgLevel.window, parent=hall)
    for d in range(10):
        department = org_service.create(code=f"D{d}", name=f"部门{d}", level=OrgLevel.department, parent=county)
        db.session.add_all(ServiceItem(code=f"I{d}-{k}", name=f"事项{d}-{k}", department=department) for k in range(3))
    user_service.create(username="bench", display_name="批量导入", org_unit=province, roles=["integration"],
                        password=None, kind=AccountKind.client)
    db.session.commit()


def _stamp(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def _case_row(prefix: str, i: int, bad: bool) -> tuple[list, str | None]:
    """A service-case row; a bad one says which column the report must name."""
    accepted = NOW - timedelta(days=20) + timedelta(seconds=10 * i)
    row = {"no": f"{prefix}{i:07d}", "item": f"I{i % 10}-{i % 3}", "org": f"D{i % 10}", "window": f"W{i % 10}",
           "channel": "window", "kind": "natural_person", "name": f"申请人{i % 997}", "phone": f"139{i:08d}",
           "accepted": _stamp(accepted), "finished": _stamp(accepted + timedelta(hours=2))}
    if not bad:
        return list(row.values()), None
    kind = (i // BAD_EVERY) % 5
    field, key, value = [("办理单位编码", "org", "NOPE"), ("事项编码", "item", "NOPE"), ("联系电话", "phone", "电话"),
                         ("申请人姓名", "name", ""),
                         ("办结时间", "finished", _stamp(accepted - timedelta(hours=1)))][kind]
    row[key] = value
    return list(row.values()), field


def _evaluation_row(prefix: str, i: int, bad: bool) -> tuple[list, str | None]:
    accepted = NOW - timedelta(days=20) + timedelta(seconds=10 * i)
    level = (1 + i % 2) if i % 10 == 3 else 4 + i % 2  # one in ten is a bad review
    row = {"no": f"{prefix}{i:07d}", "level": level, "channel": "qr_code",
           "at": _stamp(accepted + timedelta(hours=3)), "real_name": "是" if i % 3 else "否",
           "reasons": "态度差、等候久" if level <= 2 else ""}
    if not bad:
        return list(row.values()), None
    kind = (i // BAD_EVERY) % 5
    field, key, value = [("办件编号", "no", f"NOPE{i}"), ("评价等级", "level", 9), ("评价渠道", "channel", "鸽子"),
                         ("评价时间", "at", _stamp(accepted)), ("是否实名", "real_name", "也许")][kind]
    row[key] = value
    return list(row.values()), field


def _write(path: Path, header: list[str], make, prefix: str, rows: int, bad: bool) -> dict[int, str]:
    """Writes the file; returns the bad rows (file row number → column the report must name)."""
    expected = {}
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for i in range(rows):
            cells, field = make(prefix, i, bad and i % BAD_EVERY == BAD_AT)
            writer.writerow(cells)
            if field:
                expected[i + 2] = field
    return expected


def _load(app, command, path: Path) -> tuple[float, str, int]:
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(command, [str(path), "--as", "bench"])
    elapsed = time.perf_counter() - started
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return elapsed, result.stdout, result.exit_code


def _report_exact(path: Path, expected: dict[int, str]) -> str:
    errors_path = report.default_path(path)
    found = report.read(errors_path) if errors_path.exists() else []
    by_row = {}
    for row, field, _ in found:
        by_row.setdefault(row, []).append(field)
    exact = by_row == {row: [field] for row, field in expected.items()}
    return f"yes ({len(by_row)} rows)" if exact else f"NO: {len(by_row)} rows reported, {len(expected)} expected"


def _counts(output: str) -> str:
    line = next((line for line in output.splitlines() if "导入完成" in line), output.strip())
    return line.split(" / ")[-1]


def run(database: str, url: str, rows: int, directory: Path, evaluation_rows: int) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # keep the table readable
    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url})
    app.extensions["clock"] = FrozenClock(NOW)
    with app.app_context():
        _world()
        plan = [
            ("service cases, 0 % bad", import_service_cases, directory / "cases-good.csv",
             _write(directory / "cases-good.csv", CASE_HEADER, _case_row, "G", rows, False)),
            ("service cases, 1 % bad", import_service_cases, directory / "cases.csv",
             _write(directory / "cases.csv", CASE_HEADER, _case_row, "S", rows, True)),
            ("service cases, same file again", import_service_cases, directory / "cases.csv", None),
            ("evaluations, 10 % bad reviews, 1 % bad", import_evaluations, directory / "evaluations.csv",
             _write(directory / "evaluations.csv", EVALUATION_HEADER, _evaluation_row, "G", evaluation_rows, True)),
        ]
        expected_again = plan[1][3]
        for label, command, path, expected in plan:
            seconds, output, code = _load(app, command, path)
            exact = _report_exact(path, expected if expected is not None else expected_again)
            count = evaluation_rows if command is import_evaluations else rows
            print(f"| {database:<10} | {label:<40} | {count:>7,} | {seconds:>7.1f} | {count / seconds:>7,.0f} | "
                  f"{code:>4} | {exact:<16} | {_counts(output)}", flush=True)
    app.extensions["db_engine"].dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per file")
    parser.add_argument("--evaluation-rows", type=int, help="rows of the evaluation file (default: --rows)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    options = parser.parse_args()
    evaluation_rows = min(options.evaluation_rows or options.rows, options.rows)
    server = os.environ.get("HCP_BENCH_DATABASE_URL")
    print(f"| {'database':<10} | {'load':<40} | {'rows':>7} | {'seconds':>7} | {'rows/s':>7} | exit | "
          f"{'report exact':<16} | counts")
    print(f"|{'-' * 12}|{'-' * 42}|{'-' * 9}|{'-' * 9}|{'-' * 9}|------|{'-' * 18}|-------")
    with tempfile.TemporaryDirectory() as tmp:
        if not options.postgres_only:
            directory = Path(tmp, "sqlite")
            directory.mkdir()
            run("SQLite", f"sqlite:///{directory / 'bench.sqlite3'}", options.rows, directory, evaluation_rows)
        if server and not options.sqlite_only:
            directory = Path(tmp, "postgres")
            directory.mkdir()
            with postgres_database(server, prefix="hcp_bench") as url:
                run("PostgreSQL", url, options.rows, directory, evaluation_rows)
        elif not options.sqlite_only:
            print("(set HCP_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/postgres for PostgreSQL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
