"""Reading an upload row by row, numbered as the person who made the file sees it.

CSV (UTF-8, with or without the BOM Excel writes) and XLSX: a header row names the columns, by the API's
field names or the Chinese headers of the kind's header map; rows are numbered as the spreadsheet shows
them (the header is row 1 when it is the first row). JSON Lines: one API object per line, numbered by line.
Blank rows and lines are skipped. A file that cannot be read as a whole raises ``FileError``.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in departments' spreadsheets


class FileError(Exception):
    """The file as a whole cannot be read (wrong format or encoding, no header, a required column missing)."""


@dataclass(frozen=True)
class SourceRow:
    number: int
    values: dict | None  # field name → value as the file holds it; None when the row could not be read
    problem: str | None = None  # why the row could not be read at all


def detect_format(path: Path, given: str | None = None) -> str:
    if given:
        return given
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileError(f"无法从扩展名 {path.suffix or '（无）'} 判断文件格式：请用 .csv、.jsonl 或 .xlsx，"
                        "或用 --format 指定")
    return fmt


def fingerprint(path: Path, fmt: str) -> str:
    """SHA-256 of the file; a text file is checked to be UTF-8 on the way, before any row is loaded."""
    digest, decoder, offset = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            if fmt != "xlsx":
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as err:
                    raise FileError(f"文件不是 UTF-8 编码（第 {offset + err.start + 1} 字节）：请在 Excel 中"
                                    "另存为“CSV UTF-8（逗号分隔）”") from None
            offset += len(block)
    return digest.hexdigest()


def _normal(label) -> str:
    """A header as written, without the marks templates add: spaces, "*" for required, "（说明）" after it."""
    text = re.sub(r"\s+", "", str(label or ""))
    text = re.sub(r"[（(][^（()）]*[)）]$", "", text.strip("*＊"))
    return text.lower()


class Columns:
    """Which column holds which field, found from the header row."""

    def __init__(self, header: tuple, names: dict[str, str]):
        self.positions: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.ignored: list[str] = []
        for position, cell in enumerate(header):
            label = str(cell).strip() if cell is not None else ""
            field = names.get(_normal(label))
            if field is None:
                if label:
                    self.ignored.append(label)
                continue
            if field in self.positions:
                raise FileError(f"“{self.labels[field]}”和“{label}”两列都表示 {field}，请只保留一列")
            self.positions[field], self.labels[field] = position, label

    def values(self, cells: tuple) -> dict:
        return {field: cells[p] if p < len(cells) else None for field, p in self.positions.items()}


def header_names(fields: list[str], headers: dict[str, str]) -> dict[str, str]:
    """Every accepted header (normalised) → field: the field names themselves and the Chinese headers."""
    return {_normal(name): name for name in fields} | {_normal(label): f for label, f in headers.items()}


def _blank(cells: tuple) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


class TableReader:
    """A CSV or XLSX file: finds the header, then yields the data rows."""

    def __init__(self, path: Path, fmt: str, *, names: dict[str, str], required: list[str],
                 suggest: dict[str, str], sheet: str | None = None):
        self.path, self.fmt, self.sheet = path, fmt, sheet
        self.header_row, self.columns, self.estimated_rows = self._find_header(names)
        missing = [f for f in required if f not in self.columns.positions]
        if missing:
            wanted = "、".join(f"{suggest.get(f, f)}（{f}）" for f in missing)
            raise FileError(f"缺少必需的列：{wanted}")

    def _find_header(self, names: dict[str, str]) -> tuple[int, Columns, int | None]:
        with self._raw(count=True) as (rows, total):
            for number, cells in rows:
                if number > HEADER_SEARCH_ROWS:
                    break
                columns = Columns(cells, names)
                if columns.positions:
                    return number, columns, (total - number if total else None)
        raise FileError(f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（如“办件编号”或 case_no）")

    @contextmanager
    def _raw(self, *, count: bool = False):
        """(row number, cells) of every row, and the number of rows if asked (read from the XLSX's recorded
        size, counted as lines in a CSV: an estimate for the progress bar)."""
        if self.fmt == "csv":
            total = None
            if count:
                with self.path.open("rb") as stream:
                    total = sum(1 for _ in stream)
            with self.path.open(encoding="utf-8-sig", newline="") as stream:
                try:
                    yield enumerate(csv.reader(stream), start=1), total
                except csv.Error as err:
                    raise FileError(f"CSV 格式错误：{err}") from None
            return
        with _workbook(self.path) as book:
            sheet = _sheet(book, self.sheet)
            total = sheet.max_row
            sheet.reset_dimensions()  # some writers record a wrong size; read every row there is
            yield ((number, tuple(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)), total

    def rows(self) -> Iterator[SourceRow]:
        with self._raw() as (rows, _):
            for number, cells in rows:
                if number > self.header_row and not _blank(cells):
                    yield SourceRow(number, self.columns.values(cells))


@contextmanager
def _workbook(path: Path):
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as err:
        raise FileError(f"无法作为 XLSX 文件读取：{err}") from None
    try:
        yield book
    finally:
        book.close()


def _sheet(book, name: str | None):
    if name is None:
        return book.active
    if name not in book.sheetnames:
        raise FileError(f"工作表“{name}”不存在，可选：{'、'.join(book.sheetnames)}")
    return book[name]


class JsonLinesReader:
    """One JSON object per line, with the API's field names."""

    def __init__(self, path: Path):
        self.path = path
        with path.open(encoding="utf-8-sig") as stream:
            self.estimated_rows = sum(1 for line in stream if line.strip())
        self.columns = None

    def rows(self) -> Iterator[SourceRow]:
        with self.path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield _json_row(number, line)


def _json_row(number: int, line: str) -> SourceRow:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as err:
        return SourceRow(number, None, f"JSON 格式错误（第 {err.colno} 个字符附近）")
    if not isinstance(value, dict):
        return SourceRow(number, None, "该行不是 JSON 对象")
    return SourceRow(number, value)
