"""The public evaluator pages: rating a service case from a signed link, the staff QR helper, and the
evaluator's feedback and return-visit page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import db
from app.evaluation.models import Evaluation
from app.evaluator import links
from app.evaluator import service as evaluator_service
from app.evaluator.models import EvaluatorReply
from app.user import service as user_service
from app.user.models import AccountKind
from app.web.extensions import limiter
from tests.fixtures.lifecycle import local
from tests.web.conftest import csrf_token

PERSONAL = ("王小明", "13912345678", "320102199001011234")
FEEDBACK = {"feedback_text": "已向您说明：窗口已增派人员", "feedback_channel": "phone",
            "report": {"findings": "内部核查：高峰期仅开一个窗口", "measures": "高峰期增开两个窗口",
                       "result": "平均等候时间降至十分钟", "responsible_person": "李科长"}}


@pytest.fixture
def public_account(world):
    user = user_service.create(username="public_rating", display_name="公众评价渠道", org_unit=world.units["P"],
                               roles=["integration"], kind=AccountKind.client)
    db.session.commit()
    return user


@pytest.fixture
def rated_case(make_service_case):
    """A finished service case and the path of its rating page."""
    service_case = make_service_case()
    return service_case, f"/rate/{links.rating_token(service_case.case_no)}"


def _post(client, path: str, data: dict, token: str | None = None):
    return client.post(path, data={**data, "csrf_token": token or csrf_token(client, path)})


def _evaluation_of(service_case) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.service_case_id == service_case.id))


def _without_personal_data(html: str) -> None:
    for value in PERSONAL:
        assert value not in html


# the rating page --------------------------------------------------------------------------------
def test_the_rating_page_shows_the_service_and_lists_the_levels_best_first(client, public_account, rated_case):
    _, path = rated_case
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    positions = [html.index(f'name="level" value="{level}"') for level in (5, 4, 3, 2, 1)]
    assert positions == sorted(positions)
    labels = re.findall(r'<span>(非常满意|满意|基本满意|不满意|非常不满意)</span>', html)
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    for text in ("社会保障卡申领", "甲县人社局", "甲县政务服务大厅 1号窗口", "2026-11-20 09:00",
                 "仅在选择不满意或非常不满意时填写", 'class="public"'):
        assert text in html
    assert "退出" not in html and "我的待办" not in html
    _without_personal_data(html)


def test_a_good_rating_is_stored_from_the_qr_channel_without_a_case(client, clock, public_account, rated_case):
    service_case, path = rated_case
    response = _post(client, path, {"level": "4", "reasons": ["attitude"], "comment": "  办得很快  "})
    assert response.status_code == 200
    assert "感谢您的评价" in response.get_data(as_text=True)
    evaluation = _evaluation_of(service_case)
    assert (evaluation.level, str(evaluation.channel), evaluation.comment) == (4, "qr_code", "办得很快")
    assert evaluation.reasons == []  # reasons only count for a bad rating
    assert evaluation.bad_review_case is None
    assert evaluation.evaluated_at == clock.now() and evaluation.real_name is True
    assert evaluation.submitted_by_id == public_account.id


def test_a_rating_link_from_the_online_hall_records_the_web_channel(client, public_account, rated_case):
    service_case, path = rated_case
    page = client.get(f"{path}?via=web").get_data(as_text=True)
    assert "via=web" in page  # the form posts back to the same channel
    assert _post(client, f"{path}?via=web", {"level": "5"}).status_code == 200
    assert str(_evaluation_of(service_case).channel) == "web"


def test_a_bad_rating_with_reasons_opens_a_bad_review_case(client, public_account, rated_case):
    service_case, path = rated_case
    response = _post(client, path, {"level": "2", "reasons": ["attitude", "efficiency", "bribes", "attitude"],
                                    "comment": "等了两个小时"})
    assert response.status_code == 200
    assert "转交相关部门" in response.get_data(as_text=True)
    evaluation = _evaluation_of(service_case)
    assert evaluation.reasons == ["attitude", "efficiency"]
    case = evaluation.bad_review_case
    assert case is not None and case.responsible_org.code == "A-HR"


def test_a_second_submission_is_refused_politely(client, public_account, rated_case):
    service_case, path = rated_case
    token = csrf_token(client, path)
    assert _post(client, path, {"level": "5"}, token).status_code == 200
    again = _post(client, path, {"level": "1", "reasons": ["attitude"]}, token)
    assert again.status_code == 409
    assert "该办件已评价，感谢您的参与" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Evaluation.id))
                             .where(Evaluation.service_case_id == service_case.id)) == 1
    revisit = client.get(path)
    assert revisit.status_code == 200 and "该办件已评价" in revisit.get_data(as_text=True)


def test_an_unfinished_service_case_cannot_be_rated_yet(client, public_account, make_service_case):
    service_case = make_service_case(finished=False)
    path = f"/rate/{links.rating_token(service_case.case_no)}"
    assert "尚未办结" in client.get(path).get_data(as_text=True)
    response = _post(client, path, {"level": "5"}, csrf_token(client, "/login"))
    assert response.status_code == 409
    assert "尚未办结" in response.get_data(as_text=True)
    assert _evaluation_of(service_case) is None


def test_a_rating_without_a_level_asks_again_and_keeps_the_comment(client, public_account, rated_case):
    service_case, path = rated_case
    response = _post(client, path, {"comment": "忘了选等级"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择一项评价" in html and "忘了选等级" in html
    assert _evaluation_of(service_case) is None


def test_a_comment_over_the_limit_is_refused(client, public_account, rated_case):
    _, path = rated_case
    response = _post(client, path, {"level": "3", "comment": "长" * 1001})
    assert response.status_code == 422
    assert "不能超过 1000 字" in response.get_data(as_text=True)


def test_a_tampered_token_is_a_friendly_404(client, public_account, rated_case):
    _, path = rated_case
    token = path.rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (tampered, "not-a-token", links.feedback_token(1)):
        response = client.get(f"/rate/{bad}")
        assert response.status_code == 404
        assert "链接无效" in response.get_data(as_text=True)


def test_a_rating_link_expires_after_seven_days_on_the_app_clock(client, clock, public_account, rated_case):
    _, path = rated_case
    clock.advance(days=6, hours=23)
    assert client.get(path).status_code == 200
    clock.advance(hours=2)
    response = client.get(path)
    assert response.status_code == 410
    assert "已过期" in response.get_data(as_text=True)


def test_the_rating_link_lifetime_is_configurable(app, client, clock, monkeypatch, public_account, rated_case):
    _, path = rated_case
    monkeypatch.setitem(app.config, "RATING_LINK_MAX_AGE_DAYS", 1)
    clock.advance(days=1, minutes=1)
    assert client.get(path).status_code == 410


def test_ratings_are_rate_limited_per_client_address(app, client, monkeypatch, public_account, rated_case):
    _, path = rated_case
    monkeypatch.setitem(app.config, "RATING_RATE_LIMIT", "2 per minute")
    limiter.reset()
    token = csrf_token(client, path)
    assert [_post(client, path, {}, token).status_code for _ in range(2)] == [422, 422]
    blocked = _post(client, path, {"level": "5"}, token)
    assert blocked.status_code == 429
    assert "太频繁" in blocked.get_data(as_text=True)
    assert client.get(path).status_code == 200  # reading the page is not limited


def test_without_the_public_account_a_rating_fails_clearly(client, world, rated_case):
    service_case, path = rated_case
    response = _post(client, path, {"level": "5"})
    assert response.status_code == 503
    assert "暂时不可用" in response.get_data(as_text=True)
    assert _evaluation_of(service_case) is None
    with pytest.raises(evaluator_service.PublicAccountError, match="public_rating"):
        evaluator_service.public_principal()


# the QR code for the receipt ----------------------------------------------------------------------
def test_a_handler_gets_the_rating_link_as_an_svg_qr_code(sign_in, rated_case):
    service_case, _ = rated_case
    response = sign_in("handler_a").get(f"/rate/qr/{service_case.case_no}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True)


def test_the_qr_code_needs_a_signed_in_handler_of_that_unit(client, sign_in, rated_case):
    service_case, _ = rated_case
    path = f"/rate/qr/{service_case.case_no}.svg"
    assert client.get(path).status_code == 302
    assert sign_in("handler_b").get(path).status_code == 403  # another county
    assert sign_in("auditor_c").get(path).status_code == 403  # not a handler
    assert sign_in("handler_a").get("/rate/qr/NO-SUCH-CASE.svg").status_code == 404


def test_the_rating_url_points_at_the_rating_page(app, public_account, rated_case):
    service_case, _ = rated_case
    with app.test_request_context("/", base_url="https://pj.example.gov.cn"):
        url = links.rating_url(service_case.case_no, via="web")
    assert url.startswith("https://pj.example.gov.cn/rate/") and url.endswith("?via=web")
    assert links.load_rating_token(url.split("/rate/")[1].split("?")[0]) == service_case.case_no


# the evaluator's feedback page --------------------------------------------------------------------
@pytest.fixture
def fed_back(open_case):
    """A bad-review case whose department has rectified and given its feedback."""
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强窗口培训", "result": "已整改", "action": "done"})
    case.do("feedback", FEEDBACK)
    return case


def _feedback_path(case_id: int) -> str:
    return f"/feedback/{links.feedback_token(case_id)}"


def test_before_the_feedback_the_page_says_the_case_is_in_progress(client, open_case):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    path = _feedback_path(case.case_id)
    html = client.get(path).get_data(as_text=True)
    assert "处理中" in html and "正在核实处理" in html
    assert 'name="satisfaction"' not in html
    response = _post(client, path, {"satisfaction": "satisfied"}, csrf_token(client, "/login"))
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(EvaluatorReply.id))) == 0


def test_the_feedback_page_shows_the_departments_answer_and_nothing_internal(client, fed_back):
    response = client.get(_feedback_path(fed_back.case_id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("处理中", FEEDBACK["feedback_text"], "高峰期增开两个窗口", "平均等候时间降至十分钟",
                 "社会保障卡申领", "非常不满意", 'name="satisfaction"'):
        assert text in html
    for internal in ("李科长", "内部核查", "handler_a", "已电话核实"):
        assert internal not in html
    assert "退出" not in html
    _without_personal_data(html)


def test_the_evaluator_replies_once_with_an_audit_event(client, fed_back):
    path = _feedback_path(fed_back.case_id)
    token = csrf_token(client, path)
    response = _post(client, path, {"satisfaction": "basically_satisfied", "comment": "有改进"}, token)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "感谢您的回访意见" in page and "基本满意" in page and 'name="satisfaction"' not in page
    again = _post(client, path, {"satisfaction": "unsatisfied", "comment": "改主意了"}, token)
    assert again.status_code == 409
    assert "本次提交未作更改" in again.get_data(as_text=True)
    replies = db.session.scalars(select(EvaluatorReply).where(EvaluatorReply.case_id == fed_back.case_id)).all()
    assert [(r.satisfaction, r.comment) for r in replies] == [("basically_satisfied", "有改进")]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evaluator.replied")).all()
    assert [(e.subject_type, e.subject_id, e.payload["satisfaction"]) for e in events] == [
        ("case", str(fed_back.case_id), "basically_satisfied")]


def test_a_reply_needs_a_satisfaction_level(client, fed_back):
    path = _feedback_path(fed_back.case_id)
    response = _post(client, path, {"comment": "没选"})
    assert response.status_code == 422
    assert "请选择您对处理结果的满意程度" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EvaluatorReply.id))) == 0


def test_a_closed_case_reads_as_finished(client, fed_back):
    fed_back.do("return_visit", {"reached": True, "satisfaction": "satisfied", "note": "满意"})
    fed_back.do("close_out", {"approved": True, "note": "同意销号"})
    html = client.get(_feedback_path(fed_back.case_id)).get_data(as_text=True)
    assert "已办结" in html and "已销号" not in html


def test_a_not_adopted_case_shows_the_reason_and_no_reply_form(client, open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "appeal", "appeal_reason": "评价人误操作", "evidence": "监控录像"})
    case.do("appeal_review", {"decision": "upheld", "reason": "录像证实服务规范"})
    html = client.get(_feedback_path(case.case_id)).get_data(as_text=True)
    assert "不予采纳" in html and "录像证实服务规范" in html
    assert 'name="satisfaction"' not in html


def test_feedback_links_are_signed_and_expire_after_sixty_days(client, clock, fed_back):
    path = _feedback_path(fed_back.case_id)
    assert client.get(f"/feedback/{links.rating_token('SC-00001')}").status_code == 404
    assert client.get("/feedback/forged").status_code == 404
    assert client.get(f"/feedback/{links.feedback_token(999_999)}").status_code == 404
    clock.advance(days=59)
    assert client.get(path).status_code == 200
    clock.advance(days=2)
    assert client.get(path).status_code == 410


def test_the_feedback_url_is_absolute_with_or_without_a_request(app, monkeypatch, fed_back):
    with app.test_request_context("/", base_url="https://pj.example.gov.cn"):
        url = links.feedback_url(fed_back.case_id)
    assert url.startswith("https://pj.example.gov.cn/feedback/")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://hcp.example.cn/")
    url = links.feedback_url(fed_back.case_id)  # e.g. from a job sending the SMS
    assert url.startswith("https://hcp.example.cn/feedback/")
    assert links.load_feedback_token(url.rsplit("/", 1)[1]) == fed_back.case_id
