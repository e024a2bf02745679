"""The system administrator at work in a real browser: accounts, a token shown once, deactivation, the org tree."""
from __future__ import annotations

import pytest

from tests.browser.test_accessibility import violations
from tests.fixtures.browser import desktop_page, screenshot, sign_in

NEW_PASSWORD = "Zhao-Liu-2026-start"


@pytest.fixture
def other_page(browser, live):
    """A second browser with its own cookies: the person whose account the administrator manages."""
    with desktop_page(browser, live[0]) as page:
        yield page


def _flash(page) -> str:
    return page.locator("p.flash").first.inner_text()


def _create_handler(page, username: str) -> None:
    page.get_by_role("link", name="新建账号").click()
    page.wait_for_load_state()
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("姓名 / 系统名称").fill("赵六")
    page.get_by_label("所属机构").select_option("A-HR")
    page.get_by_label("承办人", exact=True).check()
    page.get_by_label("初始密码").fill(NEW_PASSWORD)
    page.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    screenshot(page, "admin-account-new")
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_load_state()


def test_a_sysadmin_creates_an_account_issues_a_token_and_deactivates_the_account(page, other_page, live):
    sign_in(page, "admin_c")
    page.wait_for_url("**/admin/accounts")
    assert page.get_by_role("heading", level=1).inner_text().startswith("账号管理")
    assert page.locator('tr[data-username="handler_a"]').inner_text().count("甲县人社局") == 1
    screenshot(page, "admin-accounts")

    _create_handler(page, "zhao_liu")
    assert "已创建账号 zhao_liu（赵六）" in _flash(page)
    assert page.get_by_role("heading", level=1).inner_text() == "赵六（zhao_liu）"

    sign_in(other_page, "zhao_liu", NEW_PASSWORD)  # the new handler, in a browser of their own
    other_page.wait_for_url("**/tasks")
    assert "我的待办" in other_page.get_by_role("heading", level=1).inner_text()

    page.get_by_label("令牌名称").fill("个人脚本")
    page.get_by_label("有效天数（可选）").fill("30")
    page.get_by_role("button", name="签发令牌").click()
    page.wait_for_load_state()
    assert "令牌只显示这一次" in page.get_by_role("alert").inner_text()
    secret = page.get_by_label("令牌（复制后粘贴到对接系统").input_value()
    assert secret.startswith("hcp_")
    screenshot(page, "admin-token-issued")
    api = other_page.request.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"})
    assert api.status == 200
    page.get_by_role("link", name="我已保存，返回账号").click()
    page.wait_for_load_state()
    assert secret not in page.content()
    assert "个人脚本" in page.locator("table.tokens").inner_text()

    page.get_by_role("button", name="停用账号").click()
    page.wait_for_load_state()
    assert "已停用账号 zhao_liu" in _flash(page)
    assert "已停用" in page.locator("dl.facts").inner_text()
    screenshot(page, "admin-account-deactivated")
    other_page.goto("/tasks")
    other_page.wait_for_url("**/login*")  # the open session has ended
    sign_in(other_page, "zhao_liu", NEW_PASSWORD)
    assert other_page.get_by_role("alert").inner_text() == "用户名或密码错误"
    assert other_page.request.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}).status == 401


def test_a_sysadmin_adds_a_unit_to_the_org_tree(page):
    sign_in(page, "admin_c")
    page.get_by_role("link", name="机构管理").click()
    page.wait_for_url("**/admin/units")
    tree = page.locator("ul.tree")
    assert "监督：甲县" in tree.inner_text()
    page.get_by_label("上级机构").select_option("A")
    page.get_by_label("机构编码").fill("A-EDU")
    page.get_by_label("机构名称").fill("甲县教育局")
    page.get_by_label("机构层级").select_option("department")
    page.get_by_role("button", name="新建机构").click()
    page.wait_for_load_state()
    assert "已新建机构 甲县教育局（A-EDU）" in _flash(page)
    assert tree.get_by_role("link", name="甲县教育局").is_visible()
    screenshot(page, "admin-units")

    page.get_by_label("上级机构").select_option("A")
    page.get_by_label("机构编码").fill("A-EDU")
    page.get_by_label("机构名称").fill("甲县教育体育局")
    page.get_by_label("机构层级").select_option("department")
    page.get_by_role("button", name="新建机构").click()
    page.wait_for_load_state()
    assert "机构编码：机构编码已存在" in page.locator("#unit-code-help").inner_text()
    assert page.get_by_label("机构名称").input_value() == "甲县教育体育局"
    screenshot(page, "admin-units-duplicate-code")


def test_the_admin_pages_pass_the_accessibility_checks_also_with_errors_shown(axe_page, live):
    page = axe_page
    _, _, world = live
    sign_in(page, "admin_c")
    problems = []
    for path in ("/admin/accounts", "/admin/accounts?org_code=A&role=handler", "/admin/accounts/new", "/admin/units",
                 f"/admin/units/{world.units['A-SUP'].id}"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {v}" for v in violations(page)]
    page.goto("/admin/accounts/new")
    page.get_by_role("button", name="创建账号").click()  # nothing filled in: the form comes back with errors
    page.wait_for_load_state("networkidle")
    problems += [f"new account with errors: {v}" for v in violations(page)]
    page.goto("/admin/accounts")
    page.get_by_role("link", name="handler_b", exact=True).click()
    page.get_by_role("button", name="签发令牌").click()  # no name: errors by the token form
    page.wait_for_load_state("networkidle")
    problems += [f"account with token errors: {v}" for v in violations(page)]
    assert not problems, "\n".join(problems)
