"""Spreadsheet cells into the values the API schemas take.

A spreadsheet holds text, numbers and dates where the API takes JSON: a level typed as "4" or 4.0, a yes/no
column, reasons in one cell separated by "、" or ";", a time without offset (read as Beijing time, as the
people who type it mean it), a case number Excel stored as a number. This module only changes the form of
a value; whether it is valid is left to the schema, so a wrong value still gets the schema's message.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time

from marshmallow import Schema, fields

from app.settings import LOCAL_TZ

_LIST_SEPARATORS = re.compile(r"[;；、,，|]")
_YES = {"是", "实名", "Y", "y"}
_NO = {"否", "匿名", "N", "n"}


def _integral(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _to_string(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = _integral(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _to_integer(value):
    if isinstance(value, float):
        return _integral(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return _integral(number) if number == number else value
    return value


def _to_boolean(value):
    if isinstance(value, str):
        if value in _YES:
            return True
        if value in _NO:
            return False
    return value


def _aware(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).isoformat()


def _to_datetime(value):
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return _aware(datetime.combine(value, time()))
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value.replace("/", "-")))
        except ValueError:
            return value
    return value


def _to_list(value):
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
    return [_to_string(value)]


def _converter(field: fields.Field):
    if isinstance(field, fields.Integer):
        return _to_integer
    if isinstance(field, fields.Boolean):
        return _to_boolean
    if isinstance(field, fields.DateTime):
        return _to_datetime
    if isinstance(field, fields.List):
        return _to_list
    return _to_string


class CellReader:
    """Turns a row of cells (field name → cell value) into the mapping the schema loads. Empty cells are
    left out, so an optional field takes its default and a required one is reported missing. ``labels`` map a
    field's words to its value (e.g. level "满意" → 4)."""

    def __init__(self, schema: Schema, labels: dict[str, dict[str, object]] | None = None):
        self._convert = {name: _converter(field) for name, field in schema.fields.items()}
        self._labels = labels or {}

    def values(self, cells: dict[str, object]) -> dict[str, object]:
        values = {}
        for name, cell in cells.items():
            if isinstance(cell, str):
                cell = cell.strip()
            if cell is None or cell == "":
                continue
            if isinstance(cell, str) and cell in self._labels.get(name, {}):
                values[name] = self._labels[name][cell]
                continue
            values[name] = self._convert.get(name, _to_string)(cell)
        return values
