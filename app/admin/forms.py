"""What the administrator typed, read from the posted forms and checked against their scope.

The services validate the values themselves; this module only finds the org units a form names (which
must lie within the administrator's scope) and turns the services' errors into messages by field.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from werkzeug.datastructures import MultiDict

from app.clock import now
from app.errors import DomainError
from app.org import service as org_service
from app.org.models import OrgLevel, OrgUnit
from app.user import service as user_service
from app.user.models import AccountKind, Role, User
from app.user.principal import Principal
from app.web.filters import LABELS

ROLE_OPTIONS = [(r.value, LABELS["role"][r.value]) for r in Role]
KIND_OPTIONS = [(AccountKind.person.value, "工作人员（用户名和密码登录网页）"),
                (AccountKind.client.value, "对接系统（只用 API 令牌，不能登录网页）")]
LEVEL_OPTIONS = [(level.value, LABELS["org_level"][level.value]) for level in OrgLevel]
MAX_EXPIRY_DAYS = 3650
OUT_OF_SCOPE = "该机构不在您的管辖范围内"


def account_values(form: MultiDict) -> dict:
    return {"username": form.get("username", "").strip(), "display_name": form.get("display_name", "").strip(),
            "org_code": form.get("org_code", "").strip(), "roles": form.getlist("roles"),
            "kind": form.get("kind", AccountKind.person.value)}


def edit_values(user: User, form: MultiDict | None = None) -> dict:
    """The account's current name, unit and roles, or what was posted when the form is shown again."""
    if form is None:
        return {"display_name": user.display_name, "org_code": user.org_unit.code,
                "roles": sorted(str(r) for r in user.roles)}
    return {"display_name": form.get("display_name", "").strip(), "org_code": form.get("org_code", "").strip(),
            "roles": form.getlist("roles")}


def token_values(form: MultiDict) -> dict:
    return {"name": form.get("name", "").strip(), "org_units": [c for c in form.getlist("org_units") if c],
            "expires_days": form.get("expires_days", "").strip()}


def unit_values(form: MultiDict) -> dict:
    return {key: form.get(key, "").strip() for key in ("code", "name", "level", "parent", "supervises")}


def unit_in_scope(code: str, principal: Principal, errors: dict, field: str, *,
                  required: bool = True) -> OrgUnit | None:
    """The unit named by ``code`` if the administrator may manage it; otherwise records why not under ``field``."""
    if not code:
        if required:
            errors.setdefault(field, []).append("请选择机构")
        return None
    unit = org_service.find_by_code(code)
    if unit is None or not principal.can_see(unit):
        errors.setdefault(field, []).append(f"{OUT_OF_SCOPE}：{code}" if unit else f"机构编码 {code} 不存在")
        return None
    return unit


def new_password(form: MultiDict, errors: dict) -> str:
    """The typed password after the service's rules and the confirmation; never shown back."""
    password, confirm = form.get("password", ""), form.get("password_confirm", "")
    if not password:
        errors["password"] = ["请输入密码"]
    elif user_service.password_problems(password):
        errors["password"] = user_service.password_problems(password)
    elif password != confirm:
        errors["password_confirm"] = ["两次输入的密码不一致"]
    return password


def expiry(days: str, errors: dict) -> datetime | None:
    if not days:
        return None
    if not days.isdigit() or not 1 <= int(days) <= MAX_EXPIRY_DAYS:
        errors["expires_days"] = [f"有效天数为 1–{MAX_EXPIRY_DAYS} 的整数，留空为长期有效"]
        return None
    return now() + timedelta(days=int(days))


def field_errors(error: DomainError) -> dict[str, list[str]]:
    """A service's error as messages by field; an error of no field goes under ``form``."""
    fields = {key: value if isinstance(value, list) else [str(value)] for key, value in error.fields.items()}
    return fields or {"form": [error.message]}
