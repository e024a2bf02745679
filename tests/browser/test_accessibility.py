"""Every main page passes the WCAG 2.1 A/AA checks of axe-core in the browser: labels tied to inputs, readable
contrast, names on links and buttons, valid ARIA, landmarks, page language.

axe-core is a test-only asset (tests/vendor/axe-core, MPL-2.0), injected into the page under test.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.evaluator import links
from tests.browser.test_department_flow import open_case
from tests.browser.test_evaluator_pages import rating_path  # noqa: F401 (a fixture)
from tests.fixtures.browser import sign_in
from tests.fixtures.world import PASSWORD

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
# Inside the diagram: bpmn-js's own SVG drawing, a third-party widget with the timeline beside it as its text
# alternative; axe checks the figure around it and everything else on those pages.
EXCLUDED = [".djs-container"]
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """([excluded, options]) => axe.run({exclude: excluded.map(s => [s])}, options)
              .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))""",
        [EXCLUDED, OPTIONS])
    return [json.dumps(v, ensure_ascii=False) for v in found]


def check(page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return [f"{path}: {v}" for v in violations(page)]


@pytest.fixture(scope="module")
def a_case(live):
    return open_case(live)


@pytest.fixture
def page(axe_page):
    return axe_page


def test_the_check_finds_an_input_without_a_label(page, live):
    page.goto("/login")
    page.evaluate("document.querySelector('form').append(document.createElement('input'))")
    assert any('"id": "label"' in v for v in violations(page))


def test_the_sign_in_page_and_the_public_pages_pass(page, live, a_case):
    _, app, _ = live
    with app.app_context():
        rating = f"/rate/{links.rating_token('SC-A11Y-NONE')}"
        feedback = f"/feedback/{links.feedback_token(a_case[0])}"
    problems = check(page, "/login") + check(page, "/public/disclosure") + check(page, feedback) + check(page, rating)
    assert not problems, "\n".join(problems)


def test_a_handlers_pages_pass(page, live, a_case):
    case_id, case_no = a_case
    sign_in(page, "handler_a")
    problems = check(page, "/tasks") + check(page, "/cases") + check(page, f"/cases/{case_id}")
    page.goto("/tasks")
    page.locator("tr", has_text=case_no).get_by_role("link", name="签收响应", exact=True).click()
    page.wait_for_load_state("networkidle")
    problems += [f"task page: {v}" for v in violations(page)]
    page.get_by_role("button", name="提交").click()  # nothing chosen: the page comes back with field errors
    page.wait_for_load_state("networkidle")
    problems += [f"task page with errors: {v}" for v in violations(page)]
    assert not problems, "\n".join(problems)


def test_the_supervision_offices_pages_pass(page, live, a_case):
    sign_in(page, "supervisor_a")
    problems = check(page, "/supervision/queues") + check(page, "/supervision/overdue") + check(page, "/stats/")
    problems += check(page, "/outreach/return-visits") + check(page, "/outreach/return-visits/open")
    problems += check(page, "/outreach/fraud-signals")
    assert not problems, "\n".join(problems)


def test_an_auditors_pages_pass(page, live, a_case):
    case_id, case_no = a_case
    sign_in(page, "auditor_c")
    problems = check(page, f"/audit?q={case_no}") + check(page, f"/audit/cases/{case_id}")
    assert not problems, "\n".join(problems)


def test_policy_staffs_pages_pass(page, live):
    sign_in(page, "policy_c")
    page.goto("/models")
    version = page.get_by_role("link", name="第 1 版").first.get_attribute("href")
    problems = check(page, "/models") + check(page, version) + check(page, "/models/calendar")
    assert not problems, "\n".join(problems)


def _focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return (e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText || e.value || '').trim(); }""")


def test_signing_in_works_with_the_keyboard_alone(page, live):
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link or the first field: keep tabbing to the username
    for _ in range(5):
        if _focused(page) == "用户名":
            break
        page.keyboard.press("Tab")
    assert _focused(page) == "用户名"
    page.keyboard.type("handler_a")
    page.keyboard.press("Tab")
    assert _focused(page) == "密码"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text().startswith("我的待办")


def test_a_citizen_rates_with_the_keyboard_alone(page, rating_path):  # noqa: F811
    page.goto(rating_path)
    page.locator("input[name=level]").first.focus()
    assert _focused(page) == "非常满意"
    page.keyboard.press("ArrowDown")  # radio buttons move by arrow keys, best first
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _focused(page) == "不满意"
    assert page.locator("#reasons").is_visible()  # the reasons open for a bad level chosen by keyboard too
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first reason
    for _ in range(12):
        page.keyboard.press("Tab")
        if _focused(page) == "提交评价":
            break
    assert _focused(page) == "提交评价"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="感谢您的评价").is_visible()
