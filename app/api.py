"""The REST layer (flask-smorest) and its single error format.

Every error answers ``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""
from __future__ import annotations

import logging

from flask import jsonify
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.db import db
from app.errors import DomainError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="haochaping"'
    return response


class JsonErrorApi(Api):
    def handle_http_exception(self, error: HTTPException):
        fields = {}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if isinstance(messages, dict):
            # webargs groups messages by location ("json", "query"); callers want field names.
            for location_messages in messages.values():
                if isinstance(location_messages, dict):
                    fields.update(location_messages)
        status = error.code or 500
        message = data.get("message") or error.description or error.name
        if status == 422 and fields:
            message = "请求字段无效"
        if status == 400 and "JSON" in str(message):
            message = "请求体不是有效的 JSON"
        return error_response(status, _HTTP_CODES.get(status, "error"), message, fields)


api = JsonErrorApi()


def init_app(app) -> None:
    api.init_app(app)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        db.session.rollback()
        log.warning("integrity error answered as 409: %s", error.orig.__class__.__name__)
        return error_response(409, "conflict", "与已有数据冲突（重复或引用无效）")
