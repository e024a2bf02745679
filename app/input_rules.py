"""What the service accepts from outside: ids within the databases' integer range, bounded page numbers,
and only text both databases can store.

One definition for the API schemas (fields and ``InputSchema``), the URL converters of every path
(API and pages) and the query strings and forms of the pages.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask import abort, request
from marshmallow import Schema, ValidationError, fields, pre_load, validate
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.routing import ValidationError as NoMatch

ID_MAX = 2**31 - 1  # PostgreSQL ``integer``; SQLite would take more, but the two must answer alike
PAGE_MAX = 1_000_000
PER_PAGE_MAX = 500
# NUL cannot be stored by PostgreSQL in text or JSON; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "含有无法保存的字符（如 NUL 或不成对的代理字符）"


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def holds_unstorable_text(value) -> bool:
    """Whether a string anywhere in ``value`` (keys included) cannot be stored."""
    if isinstance(value, str):
        return not is_storable(value)
    if isinstance(value, Mapping):
        return any(holds_unstorable_text(key) or holds_unstorable_text(value[key]) for key in value)
    if isinstance(value, list | tuple):
        return any(holds_unstorable_text(item) for item in value)
    return False


class Id(fields.Integer):
    """A database id: 1 … 2^31-1."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=ID_MAX, error="编号应在 {min}–{max} 之间"), **kwargs)


class Page(fields.Integer):
    """A page number of a list: 1 … PAGE_MAX."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", 1)
        super().__init__(validate=validate.Range(min=1, max=PAGE_MAX, error="页码应在 {min}–{max} 之间"), **kwargs)


class PerPage(fields.Integer):
    """Rows per page: 1 … PER_PAGE_MAX; absent means the configured default."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", None)
        super().__init__(validate=validate.Range(min=1, max=PER_PAGE_MAX, error="每页条数应在 {min}–{max} 之间"),
                         **kwargs)


class InputSchema(Schema):
    """Base of every request schema: a field holding unstorable text is refused with 422, naming the field.

    ``UNCHECKED`` names fields whose items are loaded one by one by another ``InputSchema`` (a batch),
    so one bad item is refused alone.
    """

    UNCHECKED: tuple[str, ...] = ()

    @pre_load
    def _refuse_unstorable_text(self, data, **_):
        if not isinstance(data, Mapping):
            if holds_unstorable_text(data):
                raise ValidationError(UNSTORABLE_MESSAGE)
            return data
        errors = {str(key): [UNSTORABLE_MESSAGE] for key in data
                  if holds_unstorable_text(key)
                  or (key not in self.UNCHECKED and holds_unstorable_text(data[key]))}
        if errors:
            raise ValidationError(errors)
        return data


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: an id out of range matches no route, so it answers 404 like an unknown id."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<…>`` and ``<string:…>`` in every route: a segment with unstorable text names nothing (404)."""

    def to_python(self, value: str) -> str:
        if not is_storable(value):
            raise NoMatch()
        return value


def init_app(app) -> None:
    """Installs the converters (call before any route is registered) and the check of page input."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)

    @app.before_request
    def refuse_unstorable_page_input():
        # The API checks field by field in its schemas (InputSchema); pages answer one error page.
        if request.path.startswith("/api/"):
            return
        if holds_unstorable_text(request.args.to_dict(flat=False)) or (
                request.method == "POST" and holds_unstorable_text(request.form.to_dict(flat=False))):
            abort(422, UNSTORABLE_MESSAGE)
