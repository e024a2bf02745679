"""Accounts, passwords (argon2) and API tokens (shown once, stored hashed)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, ValidationError
from app.org.models import OrgUnit
from app.user.models import AccountKind, ApiToken, Role, User, UserRole


def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended profile; the test configuration picks a cheap one."""
    profile = current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    return PasswordHasher.from_parameters(getattr(profiles, profile))

TOKEN_PREFIX = "hcp"
MIN_PASSWORD_LENGTH = 10


def get_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def create(*, username: str, display_name: str, org_unit: OrgUnit, roles: list[str],
           password: str | None = None, kind: AccountKind = AccountKind.person,
           actor: str = "system") -> User:
    errors: dict[str, list[str]] = {}
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown:
        errors["roles"] = [f"未知角色: {', '.join(unknown)}"]
    if not roles:
        errors["roles"] = ["至少需要一个角色"]
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"密码至少 {MIN_PASSWORD_LENGTH} 位"]
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


def check_password(user: User, password: str) -> bool:
    if not user.password_hash or not user.active:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown to the caller once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, user: User, name: str, org_units: list[OrgUnit] | None = None,
                expires_at: datetime | None = None, actor: str = "system") -> IssuedToken:
    outside = [u.code for u in org_units or [] if not u.is_within(user.org_unit)]
    if outside:
        raise ValidationError("令牌范围超出账号所属机构", fields={"org_units": outside})
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
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(parts[2])):
        return None
    moment = now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= moment):
        return None
    if not token.user.active:
        return None
    return token
