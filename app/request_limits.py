"""Limits on request bodies, checked before anything reads or parses them.

Size: each route family has its own ceiling (config ``MAX_CONTENT_LENGTH*`` and ``CONTENT_LENGTH_FAMILIES``).
A declared Content-Length above it is answered 413 at once, without reading the body; a chunked body without
Content-Length is cut off with 413 as soon as it passes the ceiling. Depth: JSON nested deeper than
``JSON_MAX_DEPTH`` is answered 400 before any parser (which would recurse once per level) sees it.
"""
from __future__ import annotations

import json
import re

from flask import abort, current_app, request

TOO_LARGE_MESSAGE = "提交的内容过大"
# One token per match, scanned left to right: a whole string (escapes included; an unterminated one runs to
# the end, so the scan never restarts) or a bracket. Possessive quantifiers keep it linear.
_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)


def body_limit(path: str) -> int:
    """The largest body, in bytes, that requests to ``path`` may carry."""
    config = current_app.config
    for prefix, key in config["CONTENT_LENGTH_FAMILIES"].items():
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return config[key]
    return config["MAX_CONTENT_LENGTH"]


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether the JSON text ``data`` nests arrays and objects deeper than ``limit``."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(data):
        char = token.group()[:1]
        if char in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif char in b"]}":
            depth -= 1
    return False


def _read_chunked_body() -> None:
    """Reads a body sent without Content-Length (at most the limit) and refuses it if more was coming:
    werkzeug stops reading at the limit silently, which would hand a truncated body to the parser."""
    request.get_data(cache=True)
    if request.stream.read(1):  # past the limit werkzeug raises 413 here; before it, the body has ended
        abort(413, TOO_LARGE_MESSAGE)


def parse_json(document: str | bytes):
    """``json.loads`` for documents that arrive inside a body (uploaded files): too deep is a ValueError, like any
    other invalid JSON, before the parser could recurse."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    limit = current_app.config["JSON_MAX_DEPTH"]
    if json_depth_exceeds(data, limit):
        raise ValueError(f"嵌套超过 {limit} 层")
    return json.loads(document)


def init_app(app) -> None:
    """Registers the checks; call before any other extension that may read the body (CSRF, rate limits)."""

    @app.before_request
    def limit_request_body():
        limit = body_limit(request.path)
        request.max_content_length = limit  # werkzeug stops a chunked body at the limit
        request.max_form_memory_size = limit  # one form field may fill the body (the model editor's XML)
        if request.content_length is not None and request.content_length > limit:
            abort(413, TOO_LARGE_MESSAGE)
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            _read_chunked_body()
        if request.is_json and json_depth_exceeds(request.get_data(cache=True), app.config["JSON_MAX_DEPTH"]):
            abort(400, f"请求体嵌套超过 {app.config['JSON_MAX_DEPTH']} 层")
