"""The public rating page on a phone, with and without JavaScript."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.clock import now
from app.db import db
from app.evaluator import links
from app.org import service as org_service
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.user import service as user_service
from app.user.models import AccountKind
from tests.fixtures.browser import screenshot

LEVELS_BEST_FIRST = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
_numbers = itertools.count(1)


@pytest.fixture
def rating_path(live):
    """Creates the public rating account (once) and a finished service case; returns its rating page path."""
    _, app, _ = live
    with app.app_context():
        if user_service.get_by_username("public_rating") is None:
            user_service.create(username="public_rating", display_name="公众评价渠道",
                                org_unit=org_service.find_by_code("P"), roles=["integration"],
                                kind=AccountKind.client)
        case_no = f"SC-PHONE-{next(_numbers):03d}"
        finished = now() - timedelta(hours=1)
        db.session.add(ServiceCase(
            case_no=case_no, item=service_case_service.find_item("ITEM-HR-1"),
            org_unit=org_service.find_by_code("A-HR"), window=org_service.find_by_code("A-W1"),
            channel="window", applicant_kind="natural_person", applicant_name="王小明",
            applicant_phone="13912345678", applicant_cert_no="320102199001011234",
            accepted_at=finished - timedelta(days=1), finished_at=finished, created_at=now()))
        db.session.commit()
        token = links.rating_token(case_no)
        db.session.remove()
    return f"/rate/{token}"


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_rates_a_service_on_a_phone(phone, rating_path):
    phone.goto(rating_path)
    assert _no_horizontal_scroll(phone)
    levels = phone.locator("fieldset.levels label")
    assert [text.strip() for text in levels.all_inner_texts()] == LEVELS_BEST_FIRST
    assert all(levels.nth(i).bounding_box()["height"] >= 48 for i in range(5))
    assert phone.locator("#reasons").is_hidden()
    screenshot(phone, "rate-phone")
    phone.get_by_label("不满意", exact=True).check()
    assert phone.locator("#reasons").is_visible()
    phone.get_by_label("办事效率").check()
    phone.get_by_label("意见或建议（选填）").fill("排队等了很久，希望增开窗口")
    assert "已输入 13" in phone.locator("#comment-counter").inner_text()
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "rate-phone-bad-level")
    phone.get_by_label("满意", exact=True).check()
    assert phone.locator("#reasons").is_hidden()
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="感谢您的评价").is_visible()
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "rate-phone-thanks")


def test_without_javascript_the_reasons_are_shown_with_a_hint(browser, live, rating_path):
    context = browser.new_context(base_url=live[0], locale="zh-CN", viewport={"width": 375, "height": 740},
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(rating_path)
        assert page.locator("#reasons").is_visible()
        assert page.get_by_text("仅在选择不满意或非常不满意时填写").is_visible()
        page.get_by_label("非常满意", exact=True).check()
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="感谢您的评价").is_visible()
    finally:
        context.close()
