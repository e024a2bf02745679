"""Each file format a department sends loads the same rows: CSV (with or without BOM, Chinese or API headers),
JSON Lines and XLSX (with a title row above the header, real dates and numbers in the cells)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.service_case.service import find_by_no
from app.settings import LOCAL_TZ, to_local
from tests.imports.conftest import (
    EVALUATION_HEADER_ZH,
    SERVICE_CASE_HEADER_ZH,
    evaluation_cells,
    service_case_cells,
    write_csv,
    write_jsonl,
    write_xlsx,
)

API_HEADER = ["case_no", "item_code", "org_code", "window_code", "channel", "applicant_kind", "applicant_name",
              "applicant_phone", "accepted_at", "finished_at"]


def _case_numbers():
    return sorted(db.session.scalars(select(ServiceCase.case_no)))


def test_a_csv_with_chinese_headers_and_bom_loads_every_row(world, clock, tmp_path, run_import):
    path = write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH,
                     [service_case_cells(clock, f"N-{i}") for i in range(3)])
    result = run_import("service-cases", path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "读取 3 行，新增 3 行，已存在 0 行，有误 0 行" in result.output
    assert _case_numbers() == ["N-0", "N-1", "N-2"]
    case = find_by_no("N-1")
    assert (case.org_unit.code, case.window.code, case.applicant_name, case.applicant_phone) == \
        ("A-HR", "A-W1", "王小明", "13912345678")
    # a time without offset in a spreadsheet is Beijing time
    expected = (to_local(clock.now()) - timedelta(hours=3)).replace(microsecond=0)
    assert to_local(case.finished_at) == expected
    assert result.report is None


def test_a_csv_without_bom_may_use_the_api_field_names(world, clock, tmp_path, run_import):
    path = write_csv(tmp_path / "cases.csv", API_HEADER, [service_case_cells(clock, "N-1")], bom=False)
    result = run_import("service-cases", path)
    assert result.exit_code == 0, result.output + result.stderr
    assert _case_numbers() == ["N-1"]


def test_json_lines_carry_api_objects(world, clock, tmp_path, run_import):
    body = {"case_no": "N-1", "item_code": "ITEM-HR-1", "org_code": "A-HR", "channel": "online",
            "applicant_kind": "legal_person", "applicant_name": "某公司",
            "accepted_at": (clock.now() - timedelta(days=1)).isoformat(),
            "finished_at": (clock.now() - timedelta(hours=1)).isoformat()}
    path = write_jsonl(tmp_path / "cases.jsonl", [body, "", {**body, "case_no": "N-2"}])
    result = run_import("service-cases", path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "读取 2 行" in result.output
    assert find_by_no("N-1").applicant_kind == "legal_person"


def test_an_xlsx_with_a_title_row_and_typed_cells_loads(world, clock, tmp_path, run_import):
    local = to_local(clock.now()).replace(tzinfo=None, microsecond=0)
    rows = [service_case_cells(clock, 370100202611000 + i, accepted_at=local - timedelta(days=1),
                               finished_at=local - timedelta(hours=2), applicant_phone=13912345678)
            for i in range(2)]
    path = write_xlsx(tmp_path / "十一月办件.xlsx", SERVICE_CASE_HEADER_ZH, rows, title="某局2026年11月办件明细")
    result = run_import("service-cases", path)
    assert result.exit_code == 0, result.output + result.stderr
    assert _case_numbers() == ["370100202611000", "370100202611001"]
    case = find_by_no("370100202611000")
    assert case.applicant_phone == "13912345678"
    assert case.finished_at == (local - timedelta(hours=2)).replace(tzinfo=LOCAL_TZ)


def test_evaluations_load_from_each_format_with_level_words_and_listed_reasons(world, clock, tmp_path,
                                                                              run_import, make_service_case):
    cases = [make_service_case() for _ in range(3)]
    csv_path = write_csv(tmp_path / "评价.csv", EVALUATION_HEADER_ZH, [
        evaluation_cells(clock, cases[0].case_no, level="非常不满意", real_name="是", comment="排队太久",
                         reasons="等候时间长、态度差")])
    xlsx_path = write_xlsx(tmp_path / "评价.xlsx", EVALUATION_HEADER_ZH, [
        evaluation_cells(clock, cases[1].case_no, level=5.0,
                         evaluated_at=to_local(clock.now()).replace(tzinfo=None) - timedelta(minutes=5))])
    jsonl_path = write_jsonl(tmp_path / "评价.jsonl", [{
        "service_case_no": cases[2].case_no, "level": 3, "channel": "web", "real_name": False,
        "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat()}])
    for path in (csv_path, xlsx_path, jsonl_path):
        result = run_import("evaluations", path)
        assert result.exit_code == 0, result.output + result.stderr
        assert "新增 1 行" in result.output
    by_case = {e.service_case.case_no: e for e in db.session.scalars(select(Evaluation))}
    bad = by_case[cases[0].case_no]
    assert (bad.level, bad.real_name, bad.reasons, bad.comment) == (1, True, ["等候时间长", "态度差"], "排队太久")
    assert bad.bad_review_case is not None
    assert [by_case[c.case_no].level for c in cases[1:]] == [5, 3]


def test_unknown_columns_are_named_and_ignored(world, clock, tmp_path, run_import):
    path = write_csv(tmp_path / "cases.csv", ["序号", *SERVICE_CASE_HEADER_ZH, "备注"],
                     [[1, *service_case_cells(clock, "N-1"), "加急"]])
    result = run_import("service-cases", path)
    assert result.exit_code == 0
    assert "以下列不认识，已忽略：序号、备注" in result.stderr
    assert _case_numbers() == ["N-1"]


def test_the_sheet_can_be_chosen(world, clock, tmp_path, run_import):
    path = write_xlsx(tmp_path / "book.xlsx", ["说明"], [["见第二页"]])
    import openpyxl
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("办件")
    sheet.append(SERVICE_CASE_HEADER_ZH)
    sheet.append(service_case_cells(clock, "N-1"))
    book.save(path)
    assert run_import("service-cases", path, "--sheet", "办件").exit_code == 0
    assert _case_numbers() == ["N-1"]
    missing = run_import("service-cases", path, "--sheet", "没有")
    assert missing.exit_code == 2
    assert "工作表“没有”不存在" in missing.stderr


def test_times_without_offset_are_read_as_beijing_time(world, clock, tmp_path, run_import):
    path = write_csv(tmp_path / "cases.csv", SERVICE_CASE_HEADER_ZH, [service_case_cells(
        clock, "N-1", accepted_at="2026/11/18 09:00", finished_at="2026-11-19T16:30:00+08:00")])
    assert run_import("service-cases", path).exit_code == 0
    case = find_by_no("N-1")
    assert case.accepted_at == datetime(2026, 11, 18, 9, 0, tzinfo=LOCAL_TZ)
    assert case.finished_at == datetime(2026, 11, 19, 16, 30, tzinfo=LOCAL_TZ)
