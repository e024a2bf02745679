"""The per-row error report: a CSV (UTF-8 with BOM, so Excel opens it) with one line per reason a row was
rejected — row number as the file shows it, the column as the file names it, the message in Chinese."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

HEADER = ("行号", "字段", "问题")


def default_path(source: Path) -> Path:
    return source.with_name(source.name + ".errors.csv")


def write(path: Path, errors: Iterable[tuple[int, str, str]]) -> int:
    """Writes ``(row, field, message)`` lines in the order given; returns how many rows they concern."""
    rows = set()
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for row_no, field, message in errors:
            writer.writerow((row_no, field or "（整行）", message))
            rows.add(row_no)
    return len(rows)


def read(path: Path) -> list[tuple[int, str, str]]:
    """The report's lines back (for checking a load): ``(row, field, message)``."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    return [(int(row), field, message) for row, field, message in lines[1:]]
