"""Accounts, passwords (argon2) and API tokens (shown once, stored hashed)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, ValidationError
from app.org.models import OrgUnit
from app.user.models import AccountKind, ApiToken, Role, User, UserRole

# What a principal is made of (roles, unit, the unit it supervises), loaded with the user in one query.
_PRINCIPAL_PARTS = (joinedload(User.role_rows), joinedload(User.org_unit).joinedload(OrgUnit.supervises))


def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended profile; the test configuration picks a cheap one."""
    profile = current_app.config["PASSWORD_HASH_PROFILE"]
    return PasswordHasher.from_parameters(getattr(profiles, profile))

TOKEN_PREFIX = "hcp"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # the sign-in form accepts no longer password
PASSWORD_RULES = f"{MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} 位；建议使用不易猜到的长句或字母、数字与符号的组合"
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


def get_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def actor_names(labels: set[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """Display names of audit actors ("user:zhang" → 张三); ``known`` names system actors; others stay as they are."""
    usernames = {label.removeprefix("user:") for label in labels if label and label.startswith("user:")}
    found = {}
    if usernames:
        found = {f"user:{u.username}": u.display_name
                 for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    known = known or {}
    return {label: found.get(label) or known.get(label, label) for label in labels}


def create(*, username: str, display_name: str, org_unit: OrgUnit, roles: list[str],
           password: str | None = None, kind: AccountKind = AccountKind.person,
           actor: str = "system") -> User:
    errors = account_problems(username=username, display_name=display_name, roles=roles)
    if password is not None and password_problems(password):
        errors["password"] = password_problems(password)
    if errors:
        raise ValidationError("用户信息无效", fields=errors)
    if get_by_username(username) is not None:
        raise ConflictError(f"用户名 {username} 已存在", field="username")
    user = User(username=username, display_name=display_name, org_unit=org_unit, kind=kind,
                password_hash=_hasher().hash(password) if password else None, created_at=now(),
                role_rows=[UserRole(role=Role(r)) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    audit.record(actor=actor, action="user.created", subject_type="user", subject_id=user.id,
                 payload={"username": username, "org_unit": org_unit.code, "roles": sorted(set(roles)),
                          "kind": str(kind)})
    return user


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable); PASSWORD_RULES says the same in words."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"密码至少 {MIN_PASSWORD_LENGTH} 位"]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"密码最多 {MAX_PASSWORD_LENGTH} 位"]
    return []


def _role_problems(roles: list[str]) -> list[str]:
    if not roles:
        return ["至少需要一个角色"]
    unknown = [r for r in roles if r not in Role.__members__]
    return [f"未知角色: {', '.join(unknown)}"] if unknown else []


def account_problems(*, username: str, display_name: str, roles: list[str]) -> dict[str, list[str]]:
    """What is wrong with a new account's fields, by field (empty when all are acceptable)."""
    errors: dict[str, list[str]] = {}
    if not USERNAME_PATTERN.fullmatch(username or ""):
        errors["username"] = ["用户名为 1–64 位字母、数字或 _ . @ -，以字母或数字开头"]
    if not (display_name or "").strip() or len(display_name) > 128:
        errors["display_name"] = ["姓名（名称）必填，最多 128 字"]
    if _role_problems(roles):
        errors["roles"] = _role_problems(roles)
    return errors


def check_password(user: User, password: str) -> bool:
    if not user.password_hash or not user.active:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_signed_in(user_id: int) -> User | None:
    """The user of a sign-in session with their roles and units (one query per request), or None."""
    return db.session.scalars(select(User).where(User.id == user_id).options(*_PRINCIPAL_PARTS)).unique().one_or_none()


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError("账号不存在")
    return user


def _is_self(user: User, actor: str) -> bool:
    """Whether ``actor`` (a principal's label, ``user:<username>``) is the account being changed."""
    return actor == f"user:{user.username}"


def set_display_name(user: User, *, display_name: str, actor: str = "system") -> None:
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 128:
        raise ValidationError("姓名（名称）必填，最多 128 字", field="display_name")
    if display_name == user.display_name:
        return
    before, user.display_name = user.display_name, display_name
    db.session.flush()
    _record(user, "user.renamed", actor, {"from": before, "to": display_name})


def update_roles(user: User, *, roles: list[str], actor: str = "system") -> None:
    """Replaces the account's roles. An administrator cannot take the sysadmin role from themselves."""
    if _role_problems(roles):
        raise ValidationError("角色无效", fields={"roles": _role_problems(roles)})
    wanted = {Role(r) for r in roles}
    if _is_self(user, actor) and Role.sysadmin in user.roles and Role.sysadmin not in wanted:
        raise ValidationError("不能取消自己的系统管理员角色", field="roles")
    before = user.roles
    if wanted == before:
        return
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    user.role_rows += [UserRole(role=r) for r in sorted(wanted - before)]
    db.session.flush()
    _record(user, "user.roles_changed", actor, {"from": sorted(before), "to": sorted(wanted)})


def set_org_unit(user: User, *, org_unit: OrgUnit, actor: str = "system") -> None:
    if org_unit.id == user.org_unit_id:
        return
    before, user.org_unit = user.org_unit, org_unit
    db.session.flush()
    _record(user, "user.moved", actor, {"from": before.code, "to": org_unit.code})


def deactivate(user: User, *, actor: str = "system") -> None:
    """Stops the account: it can no longer sign in, its open sessions end (the session loader refuses inactive
    accounts) and its tokens stop working (``resolve_token`` does too)."""
    if _is_self(user, actor):
        raise ValidationError("不能停用自己的账号", field="active")
    if not user.active:
        raise ConflictError("账号已停用")
    user.active = False
    db.session.flush()
    _record(user, "user.deactivated", actor, {})


def reactivate(user: User, *, actor: str = "system") -> None:
    if user.active:
        raise ConflictError("账号已是启用状态")
    user.active = True
    db.session.flush()
    _record(user, "user.reactivated", actor, {})


def unlock(user: User, *, actor: str = "system") -> None:
    """Ends a lockout after repeated wrong passwords and clears the failure count."""
    was = user.locked_until
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    _record(user, "user.unlocked", actor, {"locked_until": was.isoformat() if was else None})


def reset_password(user: User, *, password: str, actor: str = "system") -> None:
    """Sets a new password typed by an administrator; it also ends a lockout. The password is never recorded."""
    if user.kind == AccountKind.client:
        raise ValidationError("对接系统账号只用令牌访问，不设密码", field="password")
    if password_problems(password):
        raise ValidationError("密码不符合要求", fields={"password": password_problems(password)})
    user.password_hash = _hasher().hash(password)
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    _record(user, "user.password_reset", actor, {})


def _record(user: User, action: str, actor: str, payload: dict) -> None:
    audit.record(actor=actor, action=action, subject_type="user", subject_id=user.id,
                 payload={"username": user.username, **payload})


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown to the caller once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, user: User, name: str, org_units: list[OrgUnit] | None = None,
                expires_at: datetime | None = None, actor: str = "system") -> IssuedToken:
    if not user.active:
        raise ConflictError("账号已停用，不能签发令牌；请先重新启用")
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 128:
        errors["name"] = ["令牌名称必填，最多 128 字"]
    outside = [u.code for u in org_units or [] if not u.is_within(user.org_unit)]
    if outside:
        errors["org_units"] = [f"超出账号所属机构：{', '.join(outside)}"]
    if expires_at is not None and expires_at <= now():
        errors["expires_at"] = ["到期时间必须晚于现在"]
    if errors:
        raise ValidationError("令牌范围超出账号所属机构" if outside else "令牌信息无效", fields=errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=prefix, secret_hash=_digest(secret), created_at=now(),
                     expires_at=expires_at, org_units=list(org_units or []))
    db.session.add(token)
    db.session.flush()
    audit.record(actor=actor, action="token.issued", subject_type="user", subject_id=user.id,
                 payload={"token_id": token.id, "name": name, "prefix": prefix,
                          "org_units": [u.code for u in token.org_units],
                          "expires_at": expires_at.isoformat() if expires_at else None})
    return IssuedToken(token, f"{TOKEN_PREFIX}_{prefix}_{secret}")


def resolve_token(plaintext: str) -> ApiToken | None:
    """The active token for a presented bearer string, or None."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = db.session.scalars(select(ApiToken).where(ApiToken.prefix == parts[1]).options(
        joinedload(ApiToken.org_units), *(joinedload(ApiToken.user).options(p) for p in _PRINCIPAL_PARTS)
    )).unique().one_or_none()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(parts[2])):
        return None
    moment = now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= moment):
        return None
    if not token.user.active:
        return None
    return token


def get_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError("令牌不存在")
    return token


def revoke_token(token: ApiToken, *, actor: str = "system") -> None:
    """Revokes a token for good: from now on it answers 401."""
    if token.revoked_at is not None:
        raise ConflictError("令牌已吊销")
    token.revoked_at = now()
    db.session.flush()
    _record(token.user, "token.revoked", actor, {"token_id": token.id, "name": token.name, "prefix": token.prefix})
