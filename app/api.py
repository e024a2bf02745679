"""The REST layer (flask-smorest) and its single error format.

Every error answers ``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""
from __future__ import annotations

import logging
import math

from flask import current_app, jsonify, render_template, request
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from app.db import db
from app.errors import DomainError
from app.request_limits import TOO_LARGE_MESSAGE

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "too_many_requests"}


def page_meta(page: int, per_page: int, total: int) -> dict:
    return {"page": page, "per_page": per_page, "total": total, "pages": math.ceil(total / per_page) if total else 0}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="haochaping"'
    return response


class ErrorBodySchema(Schema):
    code = fields.String(
        metadata={"description": "bad_request | unauthorized | forbidden | not_found | conflict | invalid"})
    message = fields.String(metadata={"description": "说明（中文）"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "字段名 → 错误列表"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema)


class JsonErrorApi(Api):
    ERROR_SCHEMA = ErrorSchema

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
        message = data.get("message") or _message(error)
        if status == 422 and fields:
            message = "请求字段无效"
        if status == 400 and "JSON" in str(message):
            message = "请求体不是有效的 JSON"
        return _with_allow(error, error_response(status, _HTTP_CODES.get(status, "error"), message, fields))


def _message(error: HTTPException) -> str:
    if isinstance(error, RequestEntityTooLarge):  # also raised by werkzeug itself, in English
        return TOO_LARGE_MESSAGE
    return error.description or error.name


def _with_allow(error: HTTPException, response):
    """A 405 names the methods the path does allow."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


api = JsonErrorApi()


PAGE_TITLES = {400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作",
               409: "操作冲突", 413: "内容过大", 422: "填写有误", 429: "操作过于频繁", 500: "系统错误"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str):
    return render_template("web/error.html", title=PAGE_TITLES.get(status, "出错了"), message=message), status


def init_app(app) -> None:
    api.init_app(app)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if _wants_json():
            return error_response(error.status, error.code, error.message, error.fields)
        return _page(error.status, error.message)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        db.session.rollback()
        log.warning("integrity error answered as 409: %s", error.orig.__class__.__name__)
        if _wants_json():
            return error_response(409, "conflict", "与已有数据冲突（重复或引用无效）")
        return _page(409, "与已有数据冲突，请刷新后重试")

    @app.errorhandler(HTTPException)
    def handle_page_http_error(error: HTTPException):
        if _wants_json():
            return api.handle_http_exception(error)
        if error.code == 400 and "CSRF" in (error.description or ""):
            return _page(400, "页面已过期或表单来源无效，请刷新页面后重新提交")
        body, status = _page(error.code or 500, _message(error))
        return _with_allow(error, current_app.make_response((body, status)))
