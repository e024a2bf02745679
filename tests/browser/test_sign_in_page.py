"""Signing in and out in a real browser."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import screenshot, sign_in


def test_a_handler_signs_in_sees_the_navigation_and_signs_out(page):
    sign_in(page, "handler_a")
    assert page.get_by_role("button", name="退出").is_visible()
    screenshot(page, "home-handler")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


def test_a_wrong_password_shows_a_message_and_keeps_the_username(page):
    sign_in(page, "handler_a", "wrong-password!")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
    screenshot(page, "login-error")


@pytest.mark.parametrize(("username", "landing", "heading"), [
    ("handler_a", "/tasks", "我的待办"),
    ("lead_a", "/tasks", "我的待办"),
    ("supervisor_a", "/tasks", "我的待办"),
    ("sup_lead_a", "/tasks", "我的待办"),
    ("auditor_c", "/audit", "审计"),
    ("policy_c", "/models", "流程模型"),
    ("admin_c", "/admin/accounts", "账号管理"),
])
def test_each_role_lands_on_its_own_page(page, username, landing, heading):
    sign_in(page, username)
    page.wait_for_url(f"**{landing}")
    assert heading in page.get_by_role("heading", level=1).first.inner_text()
    screenshot(page, f"landing-{username}")
