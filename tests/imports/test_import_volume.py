"""A file of 2,000 rows with 1 % bad rows: the report names exactly those rows (the 100,000-row version is
tests/benchmarks/bench_import.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.service_case.models import ServiceCase
from tests.imports.conftest import SERVICE_CASE_HEADER_ZH, service_case_cells, write_csv

BAD_KINDS = [("org_code", "NOPE", "办理单位编码"), ("applicant_phone", "电话", "联系电话"),
             ("applicant_name", "", "申请人姓名"), ("item_code", "NOPE", "事项编码")]


def test_two_thousand_rows_with_one_percent_bad_report_exactly_the_bad_rows(world, clock, tmp_path, run_import):
    rows, expected = [], {}
    for i in range(2000):
        if i % 100 == 37:
            field, value, column = BAD_KINDS[(i // 100) % len(BAD_KINDS)]
            rows.append(service_case_cells(clock, f"V-{i:05d}", **{field: value}))
            expected[i + 2] = column
        else:
            rows.append(service_case_cells(clock, f"V-{i:05d}"))
    path = write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH, rows)
    result = run_import("service-cases", path)
    assert result.exit_code == 1
    assert "读取 2000 行，新增 1980 行，已存在 0 行，有误 20 行" in result.output
    assert {row: field for row, field, _ in result.report} == expected
    assert len(result.report) == 20
    assert db.session.scalar(select(func.count()).select_from(ServiceCase)) == 1980
