"""Bearer tokens: missing, wrong, expired, revoked and narrowed tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import db
from app.user import service as user_service
from app.user.principal import Principal


def test_no_token_is_401_with_a_challenge(client, world):
    response = client.get("/api/v1/evaluations")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("value", ["Bearer nonsense", "Bearer hcp_abc_def", "Basic dXNlcjpwdw==", "Bearer "])
def test_a_bad_token_is_401(client, world, value):
    assert client.get("/api/v1/evaluations", headers={"Authorization": value}).status_code == 401


def test_a_right_prefix_with_a_wrong_secret_is_401(client, world):
    prefix = world.tokens["auditor_c"].rsplit("_", 1)[0]
    assert client.get("/api/v1/evaluations", headers={"Authorization": f"Bearer {prefix}_wrong"}).status_code == 401


def test_an_expired_token_is_401(client, world, clock):
    user = user_service.get_by_username("auditor_c")
    issued = user_service.issue_token(user=user, name="short", expires_at=clock.now() + timedelta(hours=1))
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    assert client.get("/api/v1/evaluations", headers=headers).status_code == 200
    clock.advance(hours=2)
    assert client.get("/api/v1/evaluations", headers=headers).status_code == 401


def test_a_revoked_token_is_401(client, world, clock):
    user = user_service.get_by_username("auditor_c")
    issued = user_service.issue_token(user=user, name="revoke me")
    issued.token.revoked_at = clock.now()
    db.session.flush()
    assert client.get("/api/v1/evaluations", headers={"Authorization": f"Bearer {issued.plaintext}"}).status_code == 401


def test_a_deactivated_account_loses_api_access(client, world):
    user_service.get_by_username("auditor_c").active = False
    db.session.flush()
    assert client.get("/api/v1/evaluations", headers=world.headers("auditor_c")).status_code == 401


def test_the_token_secret_is_not_stored(world):
    user = user_service.get_by_username("auditor_c")
    issued = user_service.issue_token(user=user, name="check")
    secret = issued.plaintext.rsplit("_", 1)[1]
    assert secret not in issued.token.secret_hash
    assert len(issued.token.secret_hash) == 64


def test_a_token_cannot_reach_beyond_its_users_own_scope(world):
    user = user_service.get_by_username("handler_a")
    with pytest.raises(Exception) as err:
        user_service.issue_token(user=user, name="too wide", org_units=[world.units["B"]])
    assert "org_units" in err.value.fields


def test_the_supervision_office_sees_the_subtree_it_supervises(world):
    principal = Principal.for_user(user_service.get_by_username("supervisor_a"))
    assert principal.can_see(world.units["A-HR"])
    assert principal.can_see(world.units["A-W1"])
    assert not principal.can_see(world.units["B-HR"])


def test_passwords_are_argon2_hashes_that_verify(world):
    user = user_service.get_by_username("handler_a")
    assert user.password_hash.startswith("$argon2id$")
    assert user_service.check_password(user, "correct-horse-battery")
    assert not user_service.check_password(user, "wrong-password")
