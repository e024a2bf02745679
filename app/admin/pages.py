"""账号管理: the system administrator's pages for accounts and their API tokens, within the administrator's scope.

Every change goes through ``app.user.service``; the route owns the one commit and, when the service refuses,
rolls back and shows the form again with the messages by field and what was typed (never a password).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.admin import forms, queries
from app.clock import now
from app.db import db
from app.errors import ConflictError, ValidationError
from app.user import service as user_service
from app.user.models import AccountKind, ApiToken, Role, User
from app.web.access import page_principal, roles_required
from app.web.paging import page_number, pager

bp = Blueprint("admin_pages", __name__, url_prefix="/admin/accounts")

ADMIN = (Role.sysadmin,)
PER_PAGE = 30
REFUSED = (ValidationError, ConflictError)
STATE_CHANGES = {  # action: (service verb, message)
    "deactivate": (user_service.deactivate, "已停用账号 {}：不能再登录，已登录的会话随即失效，令牌停止使用"),
    "reactivate": (user_service.reactivate, "已重新启用账号 {}"),
    "unlock": (user_service.unlock, "已解除账号 {} 的锁定"),
}


@bp.get("")
@roles_required(*ADMIN)
def accounts():
    principal = page_principal()
    units = queries.scope_units(principal)
    filters, errors = _list_filters(request.args, units)
    page = page_number(request.args.get("page"))
    rows, total = ([], 0) if errors else queries.paginate(queries.account_query(principal, **filters),
                                                            page=page, per_page=PER_PAGE)
    return render_template("admin/accounts.html", rows=rows, pager=pager(page, total, PER_PAGE), args=request.args,
                           errors=errors, moment=now(), org_options=queries.unit_options(units),
                           role_options=forms.ROLE_OPTIONS, status_options=queries.STATUSES)


def _list_filters(args: MultiDict, units: list) -> tuple[dict, dict[str, str]]:
    """The search and filters of the account list; a bad value is reported by field instead of being ignored."""
    by_code = {u.code: u for u in units}
    org_code, role, status = args.get("org_code", "").strip(), args.get("role", ""), args.get("status", "")
    errors = {}
    if org_code and org_code not in by_code:
        errors["org_code"] = forms.OUT_OF_SCOPE
    if role and role not in Role.__members__:
        errors["role"] = "角色无效"
    if status and status not in dict(queries.STATUSES):
        errors["status"] = "状态无效"
    filters = {"roots": [by_code[org_code]] if org_code in by_code else [], "q": args.get("q", "").strip()[:64],
               "role": role or None, "status": status or None}
    return filters, errors


# -- creating an account ----------------------------------------------------------------------------

@bp.get("/new")
@roles_required(*ADMIN)
def new():
    values = forms.account_values(MultiDict({"org_code": request.args.get("org_code", "")}))
    return _new_form(values, {})


@bp.post("/new")
@roles_required(*ADMIN)
def create():
    principal = page_principal()
    values = forms.account_values(request.form)
    errors = user_service.account_problems(username=values["username"], display_name=values["display_name"],
                                           roles=values["roles"])
    unit = forms.unit_in_scope(values["org_code"], principal, errors, "org_code")
    if values["kind"] not in AccountKind.__members__:
        errors["kind"] = ["请选择账号类型"]
    person = values["kind"] != AccountKind.client
    password = forms.new_password(request.form, errors) if person else None
    if errors:
        return _new_form(values, errors, 422)
    try:
        user = user_service.create(username=values["username"], display_name=values["display_name"], org_unit=unit,
                                   roles=values["roles"], password=password, kind=AccountKind(values["kind"]),
                                   actor=principal.label)
    except REFUSED as err:
        db.session.rollback()
        return _new_form(values, forms.field_errors(err), err.status)
    db.session.commit()
    flash(f"已创建账号 {user.username}（{user.display_name}）", "success")
    return redirect(url_for(".account", user_id=user.id))


def _new_form(values: dict, errors: dict, status: int = 200):
    units = queries.scope_units(page_principal())
    return render_template("admin/account_new.html", values=values, errors=errors,
                           org_options=queries.unit_options(units), role_options=forms.ROLE_OPTIONS,
                           kind_options=forms.KIND_OPTIONS, password_rules=user_service.PASSWORD_RULES), status


# -- one account ------------------------------------------------------------------------------------

@bp.get("/<int:user_id>")
@roles_required(*ADMIN)
def account(user_id: int):
    return _account_page(queries.get_account(user_id, page_principal()))


@bp.post("/<int:user_id>")
@roles_required(*ADMIN)
def update(user_id: int):
    principal = page_principal()
    user = queries.get_account(user_id, principal)
    values = forms.edit_values(user, request.form)
    errors: dict = {}
    status = 422
    unit = forms.unit_in_scope(values["org_code"], principal, errors, "org_code")
    if not errors:
        try:
            user_service.set_display_name(user, display_name=values["display_name"], actor=principal.label)
            user_service.update_roles(user, roles=values["roles"], actor=principal.label)
            user_service.set_org_unit(user, org_unit=unit, actor=principal.label)
        except REFUSED as err:
            db.session.rollback()
            errors, status = forms.field_errors(err), err.status
    if errors:
        return _account_page(user, section="edit", form=request.form, errors=errors, status=status)
    db.session.commit()
    flash(f"已保存账号 {user.username} 的姓名、所属机构和角色", "success")
    return redirect(url_for(".account", user_id=user.id))


@bp.post("/<int:user_id>/<any(deactivate, reactivate, unlock):action>")
@roles_required(*ADMIN)
def change_state(user_id: int, action: str):
    principal = page_principal()
    user = queries.get_account(user_id, principal)
    verb, message = STATE_CHANGES[action]
    try:
        verb(user, actor=principal.label)
    except REFUSED as err:
        db.session.rollback()
        return _account_page(user, section="state", errors={"state": [err.message]}, status=err.status)
    db.session.commit()
    flash(message.format(user.username), "success")
    return redirect(url_for(".account", user_id=user.id))


@bp.post("/<int:user_id>/password")
@roles_required(*ADMIN)
def reset_password(user_id: int):
    principal = page_principal()
    user = queries.get_account(user_id, principal)
    errors: dict = {}
    status = 422
    password = forms.new_password(request.form, errors)
    if not errors:
        try:
            user_service.reset_password(user, password=password, actor=principal.label)
        except REFUSED as err:
            db.session.rollback()
            errors, status = forms.field_errors(err), err.status
    if errors:
        return _account_page(user, section="password", errors=errors, status=status)
    db.session.commit()
    flash(f"已为 {user.username} 设置新密码（锁定同时解除）。请通过安全渠道告知本人。", "success")
    return redirect(url_for(".account", user_id=user.id))


# -- API tokens -------------------------------------------------------------------------------------

@bp.post("/<int:user_id>/tokens")
@roles_required(*ADMIN)
def issue_token(user_id: int):
    principal = page_principal()
    user = queries.get_account(user_id, principal)
    values = forms.token_values(request.form)
    errors: dict = {}
    status = 422
    units = [forms.unit_in_scope(code, principal, errors, "org_units") for code in values["org_units"]]
    expires_at = forms.expiry(values["expires_days"], errors)
    if not errors:
        try:
            issued = user_service.issue_token(user=user, name=values["name"], org_units=units, expires_at=expires_at,
                                              actor=principal.label)
        except REFUSED as err:
            db.session.rollback()
            errors, status = forms.field_errors(err), err.status
    if errors:
        return _account_page(user, section="token", form=request.form, errors=errors, status=status)
    db.session.commit()
    # The one answer that carries the secret: never stored by the browser or a proxy.
    headers = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"}
    return render_template("admin/token_issued.html", user=user, token=issued.token,
                           plaintext=issued.plaintext), 200, headers


@bp.post("/<int:user_id>/tokens/<int:token_id>/revoke")
@roles_required(*ADMIN)
def revoke_token(user_id: int, token_id: int):
    principal = page_principal()
    user = queries.get_account(user_id, principal)
    token = user_service.get_token(user, token_id)
    try:
        user_service.revoke_token(token, actor=principal.label)
    except ConflictError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".account", user_id=user.id, _anchor="tokens"))
    db.session.commit()
    flash(f"已吊销令牌「{token.name}」（{token.prefix}）：使用它的请求将被拒绝（401）", "success")
    return redirect(url_for(".account", user_id=user.id, _anchor="tokens"))


def _account_page(user: User, *, section: str | None = None, form: MultiDict | None = None,
                  errors: dict | None = None, status: int = 200):
    """The account with its forms; ``section`` names the form that was posted and is shown again."""
    principal = page_principal()
    units = queries.scope_units(principal)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    token_units = [u for u in units if u.is_within(user.org_unit)]
    return render_template(
        "admin/account.html", user=user, section=section, errors=errors or {}, moment=now(), tokens=tokens,
        edit=forms.edit_values(user, form if section == "edit" else None),
        token_form=forms.token_values(form if section == "token" else MultiDict()),
        org_options=queries.unit_options(units), token_org_options=queries.unit_options(token_units),
        role_options=forms.ROLE_OPTIONS, is_self=user.id == principal.user.id,
        password_rules=user_service.PASSWORD_RULES, max_expiry_days=forms.MAX_EXPIRY_DAYS), status
