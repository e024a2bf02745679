"""The administrator's service verbs on accounts, tokens and org units: validation, effects and audit records."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.errors import ConflictError, ValidationError
from app.user import service as user_service
from app.user.models import AccountKind
from tests.fixtures.audit import sealed_chain

ADMIN = "user:admin_c"
NEW_PASSWORD = "another-long-passphrase"


def _user(username: str):
    return user_service.get_by_username(username)


def _last(action: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


def _count(action: str) -> int:
    return len(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == action)).all())


# --- accounts ------------------------------------------------------------------------------------------

def test_create_refuses_a_username_with_spaces_and_an_empty_display_name(world):
    with pytest.raises(ValidationError) as err:
        user_service.create(username="zhang san", display_name=" ", org_unit=world.units["A-HR"], roles=["handler"])
    assert set(err.value.fields) == {"username", "display_name"}


def test_update_roles_replaces_the_roles_and_records_before_and_after(world):
    user = _user("handler_a")
    user_service.update_roles(user, roles=["dept_lead", "handler"], actor=ADMIN)
    assert _user("handler_a").roles == {"handler", "dept_lead"}
    event = _last("user.roles_changed")
    assert event.actor == ADMIN and event.subject_id == str(user.id)
    assert event.payload == {"username": "handler_a", "from": ["handler"], "to": ["dept_lead", "handler"]}
    user_service.update_roles(user, roles=["dept_lead"], actor=ADMIN)
    assert _user("handler_a").roles == {"dept_lead"}


def test_update_roles_without_a_change_records_nothing(world):
    user_service.update_roles(_user("handler_a"), roles=["handler"], actor=ADMIN)
    assert _last("user.roles_changed") is None


@pytest.mark.parametrize(("roles", "message"), [([], "至少需要一个角色"), (["king"], "未知角色: king")])
def test_update_roles_refuses_no_role_and_unknown_roles(world, roles, message):
    with pytest.raises(ValidationError) as err:
        user_service.update_roles(_user("handler_a"), roles=roles, actor=ADMIN)
    assert err.value.fields == {"roles": [message]}
    assert _user("handler_a").roles == {"handler"}


def test_an_administrator_cannot_take_the_sysadmin_role_from_themselves(world):
    me = _user("admin_c")
    with pytest.raises(ValidationError) as err:
        user_service.update_roles(me, roles=["auditor"], actor=ADMIN)
    assert "roles" in err.value.fields
    user_service.update_roles(me, roles=["sysadmin", "auditor"], actor=ADMIN)  # adding is fine
    assert me.roles == {"sysadmin", "auditor"}
    other = user_service.create(username="admin_2", display_name="二号管理员", org_unit=world.units["C"],
                                roles=["sysadmin"])
    user_service.update_roles(other, roles=["auditor"], actor=ADMIN)  # another administrator's role may go
    assert other.roles == {"auditor"}


def test_set_org_unit_moves_the_account_and_its_scope(world):
    user = _user("handler_a")
    user_service.set_org_unit(user, org_unit=world.units["A-MKT"], actor=ADMIN)
    assert _user("handler_a").org_unit.code == "A-MKT"
    assert _last("user.moved").payload == {"username": "handler_a", "from": "A-HR", "to": "A-MKT"}


def test_set_display_name_records_the_change_and_refuses_an_empty_name(world):
    user = _user("handler_a")
    user_service.set_display_name(user, display_name=" 张三 ", actor=ADMIN)
    assert user.display_name == "张三"
    assert _last("user.renamed").payload == {"username": "handler_a", "from": "handler_a", "to": "张三"}
    with pytest.raises(ValidationError):
        user_service.set_display_name(user, display_name="", actor=ADMIN)


def test_deactivate_stops_sign_in_and_tokens_and_reactivate_restores_them(world):
    user = _user("auditor_c")
    token = world.tokens["auditor_c"]
    user_service.deactivate(user, actor=ADMIN)
    assert not user.active and not user.is_active
    assert user_service.resolve_token(token) is None
    assert not user_service.check_password(user, "correct-horse-battery")
    assert _last("user.deactivated").actor == ADMIN
    with pytest.raises(ConflictError):
        user_service.deactivate(user, actor=ADMIN)
    user_service.reactivate(user, actor=ADMIN)
    assert user.active and user_service.resolve_token(token) is not None
    assert _last("user.reactivated").payload == {"username": "auditor_c"}
    with pytest.raises(ConflictError):
        user_service.reactivate(user, actor=ADMIN)


def test_an_administrator_cannot_deactivate_themselves(world):
    with pytest.raises(ValidationError) as err:
        user_service.deactivate(_user("admin_c"), actor=ADMIN)
    assert err.value.message == "不能停用自己的账号"
    assert _user("admin_c").active and _last("user.deactivated") is None


def test_unlock_clears_the_failures_and_the_lock(world, clock):
    user = _user("lead_a")
    user.failed_logins, user.locked_until = 4, clock.now() + timedelta(minutes=15)
    user_service.unlock(user, actor=ADMIN)
    assert user.failed_logins == 0 and user.locked_until is None
    assert _last("user.unlocked").payload["locked_until"] == (clock.now() + timedelta(minutes=15)).isoformat()


def test_reset_password_sets_a_new_password_ends_a_lock_and_records_no_secret(world, clock):
    user = _user("handler_a")
    user.locked_until = clock.now() + timedelta(minutes=15)
    user_service.reset_password(user, password=NEW_PASSWORD, actor=ADMIN)
    assert user_service.check_password(user, NEW_PASSWORD)
    assert not user_service.check_password(user, "correct-horse-battery")
    assert user.locked_until is None
    event = _last("user.password_reset")
    assert event.actor == ADMIN and event.payload == {"username": "handler_a"}


@pytest.mark.parametrize(("password", "message"), [("short", "密码至少 10 位"), ("x" * 257, "密码最多 256 位")])
def test_reset_password_refuses_a_password_outside_the_rules(world, password, message):
    user = _user("handler_a")
    with pytest.raises(ValidationError) as err:
        user_service.reset_password(user, password=password, actor=ADMIN)
    assert err.value.fields == {"password": [message]}
    assert user_service.check_password(user, "correct-horse-battery")
    assert _last("user.password_reset") is None


def test_an_integration_client_gets_no_password(world):
    client = _user("client_c")
    assert client.kind == AccountKind.client
    with pytest.raises(ValidationError):
        user_service.reset_password(client, password=NEW_PASSWORD, actor=ADMIN)


# --- tokens --------------------------------------------------------------------------------------------

def test_revoke_token_makes_it_unusable_and_records_it_without_the_secret(world, clock):
    issued = user_service.issue_token(user=_user("client_c"), name="大厅", actor=ADMIN)
    assert user_service.resolve_token(issued.plaintext) is not None
    user_service.revoke_token(issued.token, actor=ADMIN)
    assert issued.token.revoked_at == clock.now()
    assert user_service.resolve_token(issued.plaintext) is None
    event = _last("token.revoked")
    assert event.payload == {"username": "client_c", "token_id": issued.token.id, "name": "大厅",
                             "prefix": issued.token.prefix}
    with pytest.raises(ConflictError):
        user_service.revoke_token(issued.token, actor=ADMIN)


def test_issue_token_needs_a_name_and_a_future_expiry(world, clock):
    with pytest.raises(ValidationError) as err:
        user_service.issue_token(user=_user("client_c"), name=" ", expires_at=clock.now() - timedelta(days=1))
    assert set(err.value.fields) == {"name", "expires_at"}


def test_no_token_is_issued_to_a_deactivated_account(world):
    user = _user("client_c")
    user_service.deactivate(user, actor=ADMIN)
    with pytest.raises(ConflictError):
        user_service.issue_token(user=user, name="x", actor=ADMIN)


def test_get_token_finds_only_the_accounts_own_tokens(world):
    issued = user_service.issue_token(user=_user("client_c"), name="mine")
    assert user_service.get_token(_user("client_c"), issued.token.id) is issued.token
    with pytest.raises(Exception) as err:
        user_service.get_token(_user("client_a"), issued.token.id)
    assert err.value.status == 404


def test_no_audit_record_holds_a_password_or_a_token_secret(world):
    user = user_service.create(username="li_si", display_name="李四", org_unit=world.units["A-HR"], roles=["handler"],
                               password=NEW_PASSWORD, actor=ADMIN)
    user_service.reset_password(user, password=NEW_PASSWORD + "!", actor=ADMIN)
    issued = user_service.issue_token(user=user, name="x", actor=ADMIN)
    user_service.revoke_token(issued.token, actor=ADMIN)
    payloads = str([e.payload for e in db.session.scalars(select(AuditEvent))])
    for secret in (NEW_PASSWORD, issued.plaintext.split("_", 2)[2], issued.token.secret_hash):
        assert secret not in payloads
    assert sealed_chain().ok
