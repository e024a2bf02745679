"""`haochaping user create` and `haochaping token create`."""
from __future__ import annotations

from app.cli import token_create, user_create
from app.user import service as user_service


def test_user_create_makes_an_account_that_can_sign_in(app, world):
    result = app.test_cli_runner().invoke(user_create, [
        "--username", "zhangsan", "--display-name", "张三", "--org", "A-HR", "--role", "handler",
        "--role", "dept_lead", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = user_service.get_by_username("zhangsan")
    assert user.roles == {"handler", "dept_lead"}
    assert user_service.check_password(user, "a-long-password")


def test_user_create_refuses_an_unknown_org_with_a_message(app, world):
    result = app.test_cli_runner().invoke(user_create, [
        "--username", "x", "--display-name", "x", "--org", "NOPE", "--role", "handler", "--password", "0123456789"])
    assert result.exit_code != 0
    assert "NOPE" in result.output


def test_user_create_refuses_an_unknown_role_and_a_short_password(app, world):
    result = app.test_cli_runner().invoke(user_create, [
        "--username", "x", "--display-name", "x", "--org", "A-HR", "--role", "king", "--password", "short"],
        standalone_mode=True)
    assert result.exit_code == 2
    assert "king" in result.output
    assert user_service.get_by_username("x") is None


def test_user_create_refuses_a_taken_username(app, world):
    result = app.test_cli_runner().invoke(user_create, [
        "--username", "handler_a", "--display-name", "x", "--org", "A-HR", "--role", "handler",
        "--password", "0123456789"])
    assert result.exit_code == 2
    assert "handler_a" in result.output


def test_token_create_prints_a_token_that_authenticates(app, world, client):
    result = app.test_cli_runner().invoke(token_create, ["--username", "auditor_c", "--name", "报表"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("hcp_")
    assert client.get("/api/v1/evaluations", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_create_for_an_unknown_user_fails(app, world):
    result = app.test_cli_runner().invoke(token_create, ["--username", "ghost", "--name", "x"])
    assert result.exit_code != 0
    assert "ghost" in result.output
