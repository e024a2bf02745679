"""Sign-in and sign-out. Repeated failures lock the account for a while; every answer looks the same
whether the username exists or not."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app import audit
from app.clock import now
from app.db import db
from app.user import service as user_service
from app.user.models import Role
from app.web.access import page_principal
from app.web.extensions import limiter
from app.web.redirects import same_site_or

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = (  # first match wins
    ((Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead), "task_pages.inbox"),
    ((Role.auditor,), "audit_pages.search"),
    ((Role.policy_admin,), "model_pages.index"),
    ((Role.sysadmin,), "admin_pages.accounts"),
)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    principal = page_principal()
    for roles, endpoint in HOME_BY_ROLE:
        if principal.has_any(*roles) and endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("web/home.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        error = _attempt(form.username.data.strip(), form.password.data)
        if error is None:
            return redirect(same_site_or(request.args.get("next"), url_for("auth.home")))
    return render_template("web/login.html", form=form, error=error), (401 if error else 200)


def _attempt(username: str, password: str) -> str | None:
    generic = "用户名或密码错误"
    user = user_service.get_by_username(username)
    moment = now()
    if user is None or not user.is_active:
        return generic
    if user.locked_until is not None and user.locked_until > moment:
        return "登录失败次数过多，账号已暂时锁定，请稍后再试或联系系统管理员"
    if not user_service.check_password(user, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = moment + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            audit.record(actor=f"user:{username}", action="user.locked", subject_type="user", subject_id=user.id,
                         payload={"until": user.locked_until.isoformat()})
        db.session.commit()
        return generic
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, moment
    audit.record(actor=f"user:{username}", action="user.signed_in", subject_type="user", subject_id=user.id,
                 payload={"address": request.remote_addr})
    db.session.commit()
    session.clear()
    login_user(user)
    session.permanent = True
    return None


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
