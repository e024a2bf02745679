"""Monthly and yearly reports as XLSX workbooks (openpyxl), written from the same figures the page shows."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from app.settings import local_long
from app.stats.hotspots import DIMENSIONS
from app.stats.indicators import COUNTING_BASIS, DEFINITIONS

PERCENT = "0.00%"
HEADLINE = ("finished", "evaluated", "participation_rate", "active_rate", "good_rate", "satisfaction_rate",
            "bad_rate", "bad_reviews", "bad_reply_rate", "on_time_rectification_rate", "return_visit_rate",
            "overdue_cases", "not_adopted")
LIST_COLUMNS = (("case_no", "工单编号"), ("received", "收到日期"), ("item", "事项"), ("department", "办理单位"),
                ("window", "窗口"), ("staff", "工作人员"), ("level", "评价等级"), ("category", "类别"),
                ("aspect", "问题方面"), ("deadline", "整改期限"), ("rectified", "整改完成"), ("on_time", "按期"),
                ("measures", "整改措施"), ("result", "整改结果"), ("replied", "已反馈"), ("overdue", "超期"),
                ("status", "状态"), ("closed", "销号日期"))
_BOLD = Font(bold=True)


def monthly_workbook(figures: dict, *, frozen: dict | None = None) -> bytes:
    """Sheets: indicators, units, hot spots, complex-case ledger, rectification list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    _indicator_sheet(sheet, figures, frozen)
    _units_sheet(book.create_sheet("分单位"), figures.get("units", []))
    _hotspot_sheet(book.create_sheet("差评热点"), figures)
    _list_sheet(book.create_sheet("复杂差评整改台账"), figures.get("ledger", []))
    _list_sheet(book.create_sheet("差评整改清单"), figures.get("rectifications", []))
    _definitions_sheet(book.create_sheet("指标口径"))
    return _save(book)


def yearly_workbook(org: dict, year: int, months: list[tuple[str, dict, bool]]) -> bytes:
    """The year's bad-review rectification report: indicators by month and every month's rectification list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "月度指标"
    sheet.append([f"{org['name']}（{org['code']}） {year} 年差评整改情况报告"])
    sheet["A1"].font = Font(bold=True, size=14)
    names = {d.code: d.name for d in DEFINITIONS}
    sheet.append(["统计口径", COUNTING_BASIS])
    sheet.append(["月份", "已结账", *(names[c] for c in HEADLINE)])
    _bold_row(sheet, 3)
    for month, figures, closed in months:
        values = {i["code"]: i["value"] for i in figures["indicators"]}
        sheet.append([month, "是" if closed else "否", *(values[c] for c in HEADLINE)])
        _percent_cells(sheet, sheet.max_row, 3, HEADLINE)
    rows = [r for _, figures, _ in months for r in figures.get("rectifications", [])]
    _list_sheet(book.create_sheet("年度差评整改清单"), rows)
    _definitions_sheet(book.create_sheet("指标口径"))
    return _save(book)


def _indicator_sheet(sheet: Worksheet, figures: dict, frozen: dict | None) -> None:
    org = figures["org"]
    sheet.append([f"{org['name']}（{org['code']}） {figures['month']} 政务服务“好差评”月度报告"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["数据截至", local_long(figures["as_of"])])
    if frozen:
        sheet.append(["快照版本", frozen["version"], "SHA-256", frozen["sha256"]])
    else:
        sheet.append(["快照", "本月尚未结账，数据可能变化"])
    sheet.append(["统计口径", COUNTING_BASIS])
    sheet.append([])
    sheet.append(["指标", "数值", "分子", "分母", "口径"])
    _bold_row(sheet, sheet.max_row)
    formulas = {d.code: d.formula for d in DEFINITIONS}
    for item in figures["indicators"]:
        sheet.append([item["name"], item["value"], item["numerator"], item["denominator"], formulas[item["code"]]])
        if item["kind"] == "rate":
            sheet.cell(sheet.max_row, 2).number_format = PERCENT
    sheet.append([])
    sheet.append(["评价等级", "件数", "主动", "默认"])
    _bold_row(sheet, sheet.max_row)
    for level in figures["levels"]:
        sheet.append([level["name"], level["count"], level["active"], level["default"]])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["E"].width = 70


def _definitions_sheet(sheet: Worksheet) -> None:
    """Every indicator's formula in words, with the counting basis."""
    sheet.append(["统计口径", COUNTING_BASIS])
    sheet.append([])
    sheet.append(["指标", "计算方法"])
    _bold_row(sheet, sheet.max_row)
    for definition in DEFINITIONS:
        sheet.append([definition.name, definition.formula])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90


def _units_sheet(sheet: Worksheet, units: list[dict]) -> None:
    names = {d.code: d.name for d in DEFINITIONS}
    sheet.append(["单位编码", "单位", *(names[c] for c in HEADLINE)])
    _bold_row(sheet, 1)
    for unit in units:
        values = {i["code"]: i["value"] for i in unit["indicators"]}
        sheet.append([unit["code"], unit["name"], *(values[c] for c in HEADLINE)])
        _percent_cells(sheet, sheet.max_row, 3, HEADLINE)


def _hotspot_sheet(sheet: Worksheet, figures: dict) -> None:
    labels = {d.code: d.label for d in DIMENSIONS}
    for code, rows in figures.get("hotspots", {}).items():
        sheet.append([f"按{labels.get(code, code)}"])
        _bold_row(sheet, sheet.max_row)
        sheet.append(["编码", "名称", "差评数", "评价量", "差评率", "主要原因", "问题方面"])
        for row in rows:
            reasons = "、".join(f"{r['code']}×{r['count']}" for r in row["top_reasons"])
            aspects = "、".join(f"{a['name']}×{a['count']}" for a in row["top_aspects"])
            sheet.append([row["code"], row["name"], row["bad_reviews"], row["evaluated"], row["bad_rate"], reasons,
                          aspects])
            sheet.cell(sheet.max_row, 5).number_format = PERCENT
        sheet.append([])
    sheet.append(["连续排名靠后的工作人员"])
    _bold_row(sheet, sheet.max_row)
    for staff in figures.get("low_ranked_staff", []):
        sheet.append([staff["username"], staff["name"], staff["bad_reviews"], staff["evaluated"], staff["bad_rate"]])


def _list_sheet(sheet: Worksheet, rows: list[dict]) -> None:
    sheet.append([title for _, title in LIST_COLUMNS])
    _bold_row(sheet, 1)
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _ in LIST_COLUMNS])
    for column in ("I", "M", "N"):
        sheet.column_dimensions[column].width = 30
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _cell(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def _percent_cells(sheet: Worksheet, row: int, first_column: int, codes: tuple[str, ...]) -> None:
    for offset, code in enumerate(codes):
        if code.endswith("_rate"):
            sheet.cell(row, first_column + offset).number_format = PERCENT


def _bold_row(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = _BOLD


def _save(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
