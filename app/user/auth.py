"""Bearer-token authentication and role checks for the API."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from app.errors import AuthenticationError, PermissionDeniedError
from app.org.models import OrgUnit
from app.user.models import Role
from app.user.principal import Principal
from app.user.service import resolve_token


def authenticate_request() -> None:
    """Resolves ``Authorization: Bearer …`` into ``g.principal``; the blueprint runs this first."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise AuthenticationError("缺少访问令牌（Authorization: Bearer …）")
    token = resolve_token(credentials.strip())
    if token is None:
        raise AuthenticationError("访问令牌无效、已过期或已吊销")
    g.principal = Principal.for_user(token.user, token)


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise AuthenticationError("未登录")
    return principal


def require_roles(*roles: Role):
    """Route decorator: the caller must hold one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if not principal.has_any(*roles):
                names = "、".join(r.value for r in roles)
                raise PermissionDeniedError(f"需要以下角色之一：{names}")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def require_in_scope(unit: OrgUnit, message: str = "该数据不在您的管辖范围内") -> None:
    if not current_principal().can_see(unit):
        raise PermissionDeniedError(message)
