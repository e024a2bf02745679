"""Flask extensions of the web layer: sign-in sessions, CSRF protection and rate limits."""
from __future__ import annotations

import hmac

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")


@login_manager.user_loader
def _load_user(user_id: str):
    from app.user.service import get_signed_in

    key, _, stamp = user_id.partition(".")
    user = get_signed_in(int(key)) if key.isdigit() else None
    if user is None or not user.is_active or not hmac.compare_digest(stamp, user.session_stamp):
        return None  # deactivated, or the password changed since this session signed in
    return user


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
