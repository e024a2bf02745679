"""Public pages for evaluators, no account needed: rate a service case from a signed link, read the
department's feedback on a bad review and answer the return visit. Plus one staff helper: the rating link
as a QR code for the receipt.

Every error of these pages is answered with a plain public page (no staff navigation).
"""
from __future__ import annotations

import io
import logging
import re
import secrets

import segno
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from app.db import db
from app.errors import DomainError, PermissionDeniedError, ValidationError
from app.evaluation.models import LEVEL_LABELS, EvaluationChannel
from app.evaluator import links, service
from app.org.models import OrgLevel
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.web.extensions import limiter

log = logging.getLogger(__name__)

bp = Blueprint("evaluator_pages", __name__)

LEVELS_BEST_FIRST = sorted(LEVEL_LABELS.items(), reverse=True)  # Jiangsu: worst-first invites mistakes
TITLES = {404: "链接无效", 409: "温馨提示", 410: "链接已过期", 422: "填写有误", 429: "提交过于频繁",
          503: "服务暂不可用"}
STAFF_ENDPOINTS = frozenset({"evaluator_pages.qr_code"})
DEVICE_COOKIE = "hcp_rater"
DEVICE_COOKIE_DAYS = 400
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{24}")


def _public_rate_limit() -> str:
    return current_app.config["RATING_RATE_LIMIT"]


# rating -----------------------------------------------------------------------------------------
@bp.route("/rate/<token>", methods=["GET", "POST"])
@limiter.limit(_public_rate_limit, methods=["POST"])
def rate(token: str):
    service_case = service.rating_subject(links.load_rating_token(token))
    refusal = service.rating_refusal(service_case)
    if refusal is not None:
        return _message(refusal, 409 if request.method == "POST" else 200)
    device = _device_id()
    form = service.RatingForm(level=request.form.get("level"), reasons=request.form.getlist("reasons"),
                              comment=request.form.get("comment", ""), device_id=device,
                              client_address=request.remote_addr)
    if request.method == "GET":
        return _with_device_cookie(make_response(_rating_page(token, service_case, form)), device)
    via = request.args.get("via")
    channel = EvaluationChannel.web if via == "web" else EvaluationChannel.qr_code
    try:
        evaluation = service.rate(service_case, form, channel=channel)
    except ValidationError as err:
        db.session.rollback()
        return _rating_page(token, service_case, form, err.fields), 422
    db.session.commit()
    return render_template("evaluator/thanks.html", evaluation=evaluation)


def _device_id() -> str:
    """The rater's browser: a random id in a first-party cookie, so "many top ratings from one phone" can be
    seen without knowing who the rater is."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if DEVICE_ID.fullmatch(value) else secrets.token_urlsafe(18)


def _with_device_cookie(response, device: str):
    if request.cookies.get(DEVICE_COOKIE) != device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def _rating_page(token: str, service_case: ServiceCase, form: service.RatingForm, errors: dict | None = None):
    via = "web" if request.args.get("via") == "web" else None
    return render_template(
        "evaluator/rate.html", service_case=service_case, place=_window_label(service_case), form=form,
        errors=errors or {}, levels=LEVELS_BEST_FIRST, reasons=service.REASONS,
        action=url_for(".rate", token=token, via=via),
        comment_max=current_app.config["COMMENT_MAX_LENGTH"])


def _window_label(service_case: ServiceCase) -> str | None:
    window = service_case.window
    if window is None:
        return None
    hall = window.parent
    return f"{hall.name} {window.name}" if hall is not None and hall.level == OrgLevel.service_hall else window.name


@bp.get("/rate/qr/<case_no>.svg")
@roles_required(Role.handler, Role.dept_lead)
def qr_code(case_no: str):
    """The rating link of a service case as an SVG QR code, to print on the receipt."""
    service_case = service_case_service.get_by_no(case_no)
    if not page_principal().can_see(service_case.org_unit):
        raise PermissionDeniedError("该办件不在您的管辖范围内")
    buffer = io.BytesIO()
    segno.make(links.rating_url(case_no), error="m").save(buffer, kind="svg", scale=4, border=2,
                                                          title=f"办件 {case_no} 评价二维码")
    response = current_app.response_class(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


# feedback and return visit -------------------------------------------------------------------------
@bp.route("/feedback/<token>", methods=["GET", "POST"])
@limiter.limit(_public_rate_limit, methods=["POST"])
def feedback(token: str):
    case = service.get_case(links.load_feedback_token(token))
    errors, notice, status = {}, None, 200
    if request.method == "POST":
        try:
            _, created = service.reply(case, satisfaction=request.form.get("satisfaction"),
                                       comment=request.form.get("comment", ""))
        except ValidationError as err:
            db.session.rollback()
            errors, status = err.fields, 422
        else:
            if created:
                db.session.commit()
                flash("感谢您的回访意见，我们已收到", "ok")
                return redirect(url_for(".feedback", token=token))
            notice, status = "您已提交过回访意见，本次提交未作更改", 409
    return render_template("evaluator/feedback.html", view=service.public_feedback(case), errors=errors,
                           notice=notice, satisfaction=service.SATISFACTION, token=token,
                           comment_max=current_app.config["COMMENT_MAX_LENGTH"]), status


# errors -----------------------------------------------------------------------------------------
@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    return _message(error.message, error.status)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 429:
        text = "您提交得太频繁了，请稍后再试"
    elif status == 400 and "CSRF" in (error.description or ""):
        text = "页面已过期，请返回后刷新页面再提交"
    elif status == 404:
        text = "页面不存在"
    else:
        text = "请求无法处理，请稍后再试"
    return _message(text, status)


def _message(text: str, status: int):
    if request.endpoint in STAFF_ENDPOINTS:
        return render_template("web/error.html", title=TITLES.get(status, "出错了"), message=text), status
    if status >= 500:
        log.error("public page %s failed: %s", request.endpoint, text)
        text = "评价服务暂时不可用，请稍后再试，或到办理窗口评价"
    return render_template("evaluator/message.html", title=TITLES.get(status, "温馨提示"), message=text), status
