"""Files to import, written the ways departments make them, and a runner for the import commands."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from app.imports.cli import import_evaluations, import_service_cases
from app.imports.report import read as read_report
from app.settings import to_local


def write_csv(path: Path, header: list[str], rows: list[list], *, bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, objects: list) -> Path:
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n"
                            for o in objects), encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], *, title: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@dataclass
class Result:
    exit_code: int
    output: str
    stderr: str
    report: list[tuple[int, str, str]] | None


@pytest.fixture
def run_import(app, tmp_path):
    """Runs ``haochaping import KIND FILE --as USER …`` and reads back the error report, if one was written."""

    def run(kind: str, path: Path, *args: str, who: str = "client_c") -> Result:
        command = {"service-cases": import_service_cases, "evaluations": import_evaluations}[kind]
        result = app.test_cli_runner().invoke(command, [str(path), "--as", who, *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        report = path.with_name(path.name + ".errors.csv")
        if "--errors" in args:
            report = Path(args[args.index("--errors") + 1])
        return Result(result.exit_code, result.stdout, result.stderr,
                      read_report(report) if report.exists() else None)

    return run


SERVICE_CASE_HEADER_ZH = ["办件编号", "事项编码", "办理单位编码", "窗口编码", "办理渠道", "申请人类型", "申请人姓名",
                          "联系电话", "受理时间", "办结时间"]


def service_case_cells(clock, case_no: str, **overrides) -> list:
    """A row under SERVICE_CASE_HEADER_ZH, times in Beijing time without offset as a spreadsheet holds them."""
    local = to_local(clock.now())
    cells = {"case_no": case_no, "item_code": "ITEM-HR-1", "org_code": "A-HR", "window_code": "A-W1",
             "channel": "window", "applicant_kind": "natural_person", "applicant_name": "王小明",
             "applicant_phone": "13912345678",
             "accepted_at": (local - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
             "finished_at": (local - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")}
    cells.update(overrides)
    return list(cells.values())


EVALUATION_HEADER_ZH = ["办件编号", "评价等级", "评价渠道", "评价时间", "是否实名", "评价内容", "评价原因"]


def evaluation_cells(clock, case_no: str, **overrides) -> list:
    local = to_local(clock.now())
    cells = {"service_case_no": case_no, "level": 4, "channel": "qr_code",
             "evaluated_at": (local - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"), "real_name": "否",
             "comment": "", "reasons": ""}
    cells.update(overrides)
    return list(cells.values())
