"""One bad review end to end in the browser: the citizen rates on a phone, the department and the
supervision office work the case to close-out, and the evaluator sees the feedback."""
from __future__ import annotations

from sqlalchemy import select

from app.case.models import BadReviewCase
from app.db import db
from app.evaluator import links
from tests.browser.test_department_flow import work_to_close_out
from tests.browser.test_evaluator_pages import rating_path  # noqa: F401  (fixture)
from tests.fixtures.browser import screenshot


def test_a_bad_review_goes_from_the_rating_page_to_close_out(phone, page, live, rating_path):  # noqa: F811
    phone.goto(rating_path)
    phone.get_by_label("非常不满意", exact=True).check()
    phone.get_by_label("服务态度").check()
    phone.get_by_label("意见或建议（选填）").fill("窗口人员态度冷淡，等了一个小时")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="感谢您的评价").is_visible()

    _, app, _ = live
    with app.app_context():
        case = db.session.scalars(select(BadReviewCase).order_by(BadReviewCase.id.desc()).limit(1)).one()
        case_id, case_no = case.id, case.case_no
        assert case.evaluation.channel == "qr_code"
        feedback_path = f"/feedback/{links.feedback_token(case_id)}"
        db.session.remove()

    work_to_close_out(page, case_id, case_no)

    phone.goto(feedback_path)
    assert phone.get_by_text("已电话告知评价人核查和整改情况").is_visible()
    screenshot(phone, "evaluator-feedback-after-close-out")
