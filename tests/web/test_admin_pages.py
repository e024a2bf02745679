"""账号管理: the system administrator's account and token pages, their scope, forms, errors and effects."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEvent
from app.db import db
from app.org import service as org_service
from app.user import service as user_service
from app.user.models import ApiToken, User
from tests.fixtures.world import PASSWORD
from tests.web.conftest import csrf_token, field_help, post_form

NEW_PASSWORD = "a-brand-new-passphrase"


def _user(username: str) -> User:
    user = user_service.get_by_username(username)
    db.session.refresh(user)
    return user


def _can_sign_in(app, username: str, password: str = PASSWORD) -> bool:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    return response.status_code == 302


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _new_account(**overrides) -> MultiDict:
    form = MultiDict({"kind": "person", "username": "wang_wu", "display_name": "王五", "org_code": "A-HR",
                      "password": PASSWORD, "password_confirm": PASSWORD})
    form.setlist("roles", overrides.pop("roles", ["handler"]))
    for key, value in overrides.items():
        form[key] = value
    return form


# --- who may open the pages --------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["handler_a", "supervisor_a", "auditor_c", "policy_c"])
def test_other_roles_get_a_403_page_and_no_admin_navigation(sign_in, username):
    client = sign_in(username)
    for path in ("/admin/accounts", "/admin/accounts/new", "/admin/units"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "无权访问" in response.get_data(as_text=True)
    handler_id = user_service.get_by_username("handler_b").id
    assert post_form(client, f"/admin/accounts/{handler_id}/deactivate", page="/login").status_code == 403
    assert _user("handler_b").active
    assert "账号管理" not in client.get("/cases").get_data(as_text=True)


def test_a_sysadmin_lands_on_the_account_list_with_the_admin_navigation(admin):
    landing = admin.get("/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/admin/accounts")
    html = admin.get("/admin/accounts").get_data(as_text=True)
    assert "<h1>账号管理" in html
    assert 'href="/admin/accounts" aria-current="page">账号管理</a>' in html
    assert 'href="/admin/units"' in html and "机构管理" in html


def test_pages_need_a_session(client, world):
    assert client.get("/admin/accounts").headers["Location"].startswith("/login")


# --- the account list ----------------------------------------------------------------------------------

def _row(html: str, username: str) -> str:
    match = re.search(rf'<tr data-username="{username}">(.*?)</tr>', html, re.S)
    assert match, f"{username} is not listed"
    return match.group(1)


def test_the_account_list_shows_unit_roles_state_and_last_sign_in_in_beijing_time(world, admin, clock):
    _user("handler_a").last_login_at = clock.now() - timedelta(hours=3)  # 07:00 in Asia/Shanghai
    lead = _user("lead_a")
    lead.locked_until = clock.now() + timedelta(minutes=10)
    _user("handler_m").active = False
    db.session.commit()
    html = admin.get("/admin/accounts").get_data(as_text=True)
    handler = _row(html, "handler_a")
    assert "甲县人社局" in handler and "承办人" in handler and "启用" in handler
    assert "2026-11-20 07:00" in handler
    assert "已锁定（至 2026-11-20 10:10）" in _row(html, "lead_a")
    assert "已停用" in _row(html, "handler_m")
    assert "对接系统" in _row(html, "client_c") and "监督负责人" in _row(html, "sup_lead_a")
    assert "—" in _row(html, "handler_b")  # never signed in


def test_the_account_list_searches_and_filters(world, admin, clock):
    _user("handler_m").active = False
    _user("lead_a").locked_until = clock.now() + timedelta(minutes=5)
    db.session.commit()

    def listed(query: str) -> set[str]:
        return set(re.findall(r'<tr data-username="([^"]+)">', admin.get(f"/admin/accounts?{query}").get_data(
            as_text=True)))

    assert listed("q=handler") == {"handler_a", "handler_m", "handler_b"}
    assert listed("q=handler&org_code=A") == {"handler_a", "handler_m"}
    assert listed("org_code=A-SUP") == {"supervisor_a", "sup_lead_a"}
    assert listed("role=auditor") == {"auditor_c"}
    assert listed("status=deactivated") == {"handler_m"}
    assert listed("status=locked") == {"lead_a"}
    assert "handler_m" not in listed("status=active") and "lead_a" not in listed("status=active")
    outside = admin.get("/admin/accounts?org_code=P").get_data(as_text=True)
    assert "该机构不在您的管辖范围内" in outside and "data-username" not in outside


def test_the_account_list_pages_by_thirty_and_keeps_the_filters(world, admin):
    for n in range(30):
        user_service.create(username=f"bulk_{n:02d}", display_name=f"批量{n}", org_unit=world.units["A-HR"],
                            roles=["handler"])
    db.session.commit()
    first = admin.get("/admin/accounts?role=handler").get_data(as_text=True)
    assert first.count("data-username=") == 30 and "第 1 / 2 页（共 33 条）" in first
    next_url = re.search(r'href="([^"]+)">下一页', first).group(1).replace("&amp;", "&")
    assert "role=handler" in next_url and "page=2" in next_url
    assert admin.get(next_url).get_data(as_text=True).count("data-username=") == 3


# --- scope ---------------------------------------------------------------------------------------------

def test_a_county_administrator_sees_and_manages_only_their_county(world, county_admin):
    html = county_admin.get("/admin/accounts").get_data(as_text=True)
    assert "handler_a" in html and "handler_b" not in html and "auditor_c" not in html
    other = user_service.get_by_username("handler_b").id
    assert county_admin.get(f"/admin/accounts/{other}").status_code == 403
    assert post_form(county_admin, f"/admin/accounts/{other}/deactivate").status_code == 403
    assert post_form(county_admin, f"/admin/accounts/{other}/password",
                     {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 403
    assert post_form(county_admin, f"/admin/accounts/{other}/tokens", {"name": "x"}).status_code == 403
    assert _user("handler_b").active and _can_sign_in(county_admin.application, "handler_b")
    assert county_admin.get("/admin/accounts/999999").status_code == 404


def test_a_county_administrator_cannot_place_accounts_outside_their_county(world, county_admin):
    response = post_form(county_admin, "/admin/accounts/new", _new_account(org_code="B-HR"))
    assert response.status_code == 422
    assert "该机构不在您的管辖范围内：B-HR" in field_help(response.get_data(as_text=True), "f-org_code")
    assert user_service.get_by_username("wang_wu") is None
    handler = user_service.get_by_username("handler_a").id
    moved = post_form(county_admin, f"/admin/accounts/{handler}",
                      MultiDict([("display_name", "handler_a"), ("org_code", "B-HR"), ("roles", "handler")]))
    assert moved.status_code == 422 and _user("handler_a").org_unit.code == "A-HR"


# --- creating accounts ---------------------------------------------------------------------------------

def test_creating_a_handler_account_that_can_then_sign_in(app, world, admin):
    form = _new_account(roles=["handler", "dept_lead"])
    response = post_form(admin, "/admin/accounts/new", form, page="/admin/accounts/new")
    assert response.status_code == 302
    user = _user("wang_wu")
    assert response.headers["Location"] == f"/admin/accounts/{user.id}"
    assert user.display_name == "王五" and user.org_unit.code == "A-HR" and user.roles == {"handler", "dept_lead"}
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "已创建账号 wang_wu（王五）" in page and "部门负责人、承办人" in page
    assert _can_sign_in(app, "wang_wu")
    event = _events("user.created")[-1]
    assert event.actor == "user:admin_c" and event.payload["username"] == "wang_wu"
    assert PASSWORD not in str(event.payload)


def test_the_new_account_form_offers_the_units_in_scope_the_roles_and_the_password_rules(world, admin):
    html = admin.get("/admin/accounts/new").get_data(as_text=True)
    assert 'value="A-HR"' in html and 'value="C"' in html and 'value="P"' not in html
    assert '<label class="option" for="f-roles-handler"><input type="checkbox" id="f-roles-handler"' in html
    assert "系统管理员" in html and "至少 10" not in html and "10–256 位" in html
    assert '<label for="f-username" class="required">用户名</label>' in html
    assert 'name="csrf_token"' in html


def test_a_bad_new_account_shows_each_error_by_its_field_and_keeps_what_was_typed(world, admin):
    form = _new_account(username="王 五", display_name="王<五>", roles=[], password="short", password_confirm="short")
    response = post_form(admin, "/admin/accounts/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "用户名为 1–64 位字母" in field_help(html, "f-username")
    assert "至少需要一个角色" in field_help(html, "f-roles")
    assert "密码至少 10 位" in field_help(html, "f-password")
    assert 'value="王 五"' in html and 'value="王&lt;五&gt;"' in html
    assert '<option value="A-HR" selected>' in html
    assert "short" not in html  # a password is never shown back
    assert user_service.get_by_username("王 五") is None


def test_passwords_that_differ_are_refused_and_roles_stay_ticked(world, admin):
    response = post_form(admin, "/admin/accounts/new", _new_account(password_confirm="something-else-entirely"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "两次输入的密码不一致" in field_help(html, "f-password_confirm")
    assert 'id="f-roles-handler" name="roles" value="handler" checked' in html


def test_a_taken_username_is_a_409_with_the_message_by_the_field(world, admin):
    response = post_form(admin, "/admin/accounts/new", _new_account(username="handler_a"))
    assert response.status_code == 409
    assert "用户名 handler_a 已存在" in field_help(response.get_data(as_text=True), "f-username")


def test_an_integration_client_needs_no_password_and_cannot_sign_in(app, world, admin):
    form = _new_account(kind="client", username="hall_devices", display_name="大厅评价器", roles=["integration"],
                        password="", password_confirm="")
    assert post_form(admin, "/admin/accounts/new", form).status_code == 302
    user = _user("hall_devices")
    assert user.kind == "client" and user.password_hash is None
    assert not _can_sign_in(app, "hall_devices", "")


# --- changing accounts ---------------------------------------------------------------------------------

def test_editing_roles_name_and_unit(world, admin):
    user_id = user_service.get_by_username("handler_a").id
    form = MultiDict([("display_name", "甲县承办人"), ("org_code", "A-MKT"),
                      ("roles", "handler"), ("roles", "dept_lead")])
    response = post_form(admin, f"/admin/accounts/{user_id}", form)
    assert response.status_code == 302
    user = _user("handler_a")
    assert user.roles == {"handler", "dept_lead"} and user.org_unit.code == "A-MKT"
    assert user.display_name == "甲县承办人"
    assert _events("user.roles_changed")[-1].payload == {"username": "handler_a", "from": ["handler"],
                                                         "to": ["dept_lead", "handler"]}
    assert _events("user.moved")[-1].payload["to"] == "A-MKT"
    assert "已保存账号 handler_a" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_an_administrator_cannot_remove_their_own_sysadmin_role(world, admin):
    me = user_service.get_by_username("admin_c").id
    response = post_form(admin, f"/admin/accounts/{me}",
                         MultiDict([("display_name", "admin_c"), ("org_code", "C"), ("roles", "auditor")]))
    assert response.status_code == 422
    assert "不能取消自己的系统管理员角色" in field_help(response.get_data(as_text=True), "edit-roles")
    assert _user("admin_c").roles == {"sysadmin"}


def test_deactivating_an_account_ends_its_session_its_sign_in_and_its_tokens(app, world, admin, sign_in):
    handler = sign_in("handler_a")
    assert handler.get("/tasks").status_code == 200
    user_id = user_service.get_by_username("handler_a").id
    response = post_form(admin, f"/admin/accounts/{user_id}/deactivate")
    assert response.status_code == 302
    assert "已停用账号 handler_a" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert not _user("handler_a").active
    assert handler.get("/tasks").headers["Location"].startswith("/login")
    assert not _can_sign_in(app, "handler_a")
    assert app.test_client().get("/api/v1/tasks", headers=world.headers("handler_a")).status_code == 401
    assert _events("user.deactivated")[-1].actor == "user:admin_c"

    assert post_form(admin, f"/admin/accounts/{user_id}/reactivate").status_code == 302
    assert _can_sign_in(app, "handler_a")


def test_an_administrator_cannot_deactivate_themselves(world, admin):
    me = user_service.get_by_username("admin_c").id
    page = admin.get(f"/admin/accounts/{me}").get_data(as_text=True)
    assert "这是您自己的账号，不能停用" in page and "停用账号</button>" not in page
    response = post_form(admin, f"/admin/accounts/{me}/deactivate")
    assert response.status_code == 422
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    assert _user("admin_c").active
    assert admin.get("/admin/accounts").status_code == 200


def test_unlocking_a_locked_account_lets_it_sign_in_again(app, world, admin, clock):
    lead = _user("lead_a")
    lead.locked_until, lead.failed_logins = clock.now() + timedelta(minutes=15), 0
    db.session.commit()
    assert not _can_sign_in(app, "lead_a")
    page = admin.get(f"/admin/accounts/{lead.id}").get_data(as_text=True)
    assert "已锁定（至 2026-11-20 10:15）" in page and "解除锁定</button>" in page
    assert post_form(admin, f"/admin/accounts/{lead.id}/unlock").status_code == 302
    lead = _user("lead_a")
    assert lead.locked_until is None and lead.failed_logins == 0
    assert _can_sign_in(app, "lead_a")


def test_resetting_a_password_makes_the_new_one_work_and_the_old_one_fail(app, world, admin, sign_in):
    user_id = user_service.get_by_username("handler_a").id
    leaked = sign_in("handler_a")  # someone signed in with the old password
    assert leaked.get("/tasks").status_code == 200
    page = admin.get(f"/admin/accounts/{user_id}").get_data(as_text=True)
    assert "密码规则：10–256 位" in page
    response = post_form(admin, f"/admin/accounts/{user_id}/password",
                         {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _can_sign_in(app, "handler_a", NEW_PASSWORD)
    assert not _can_sign_in(app, "handler_a", PASSWORD)
    assert leaked.get("/tasks").status_code == 302  # that session ended with the old password
    assert admin.get("/admin/accounts").status_code == 200  # the administrator's own session goes on
    event = _events("user.password_reset")[-1]
    assert event.actor == "user:admin_c" and NEW_PASSWORD not in str(event.payload)


def test_a_short_new_password_is_refused_by_its_field(app, world, admin):
    user_id = user_service.get_by_username("handler_a").id
    response = post_form(admin, f"/admin/accounts/{user_id}/password",
                         {"password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    assert "密码至少 10 位" in field_help(response.get_data(as_text=True), "reset-password")
    assert _can_sign_in(app, "handler_a")


# --- API tokens ----------------------------------------------------------------------------------------

def test_a_token_is_shown_once_authenticates_and_answers_401_after_revocation(app, world, admin):
    user_id = user_service.get_by_username("auditor_c").id
    response = post_form(admin, f"/admin/accounts/{user_id}/tokens", {"name": "报表系统", "expires_days": "30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "令牌只显示这一次" in html
    plaintext = re.search(r'id="token-secret" class="token-secret" value="(hcp_[^"]+)"', html).group(1)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/evaluations", headers=headers).status_code == 200

    page = admin.get(f"/admin/accounts/{user_id}").get_data(as_text=True)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.name == "报表系统"))
    assert plaintext not in page and token.prefix in page
    assert "2026-12-20 10:00" in page  # expires in 30 days, Beijing time
    assert token.secret_hash not in str([e.payload for e in _events("token.issued")])
    assert plaintext.split("_", 2)[2] not in str([e.payload for e in _events("token.issued")])

    revoked = post_form(admin, f"/admin/accounts/{user_id}/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert "已吊销令牌「报表系统」" in admin.get(revoked.headers["Location"]).get_data(as_text=True)
    assert api.get("/api/v1/evaluations", headers=headers).status_code == 401
    assert _events("token.revoked")[-1].payload["prefix"] == token.prefix
    again = post_form(admin, f"/admin/accounts/{user_id}/tokens/{token.id}/revoke")
    assert "令牌已吊销" in admin.get(again.headers["Location"]).get_data(as_text=True)


def test_a_token_can_be_limited_to_units_within_the_accounts_own_unit(app, world, admin):
    user_id = user_service.get_by_username("client_c").id
    form = MultiDict([("name", "甲县大厅"), ("org_units", "A-HALL")])
    html = post_form(admin, f"/admin/accounts/{user_id}/tokens", form).get_data(as_text=True)
    assert "甲县政务服务大厅（A-HALL）" in html
    handler_id = user_service.get_by_username("handler_a").id
    wide = post_form(admin, f"/admin/accounts/{handler_id}/tokens", MultiDict([("name", "x"), ("org_units", "B-HR")]))
    assert wide.status_code == 422
    assert "超出账号所属机构：B-HR" in field_help(wide.get_data(as_text=True), "token-org_units")


def test_a_bad_token_request_keeps_what_was_typed(world, admin):
    user_id = user_service.get_by_username("auditor_c").id
    response = post_form(admin, f"/admin/accounts/{user_id}/tokens", {"name": "", "expires_days": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "有效天数为 1–3650 的整数" in field_help(html, "token-expires_days")
    assert 'value="0"' in html and "hcp_" not in html


def test_a_deactivated_account_gets_no_new_token(world, admin):
    user = _user("handler_m")
    user.active = False
    db.session.commit()
    assert "重新启用后才能签发令牌" in admin.get(f"/admin/accounts/{user.id}").get_data(as_text=True)
    response = post_form(admin, f"/admin/accounts/{user.id}/tokens", {"name": "late"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "账号已停用，不能签发令牌" in html and "hcp_" not in html


def test_a_token_page_for_an_unknown_token_is_a_404(world, admin):
    user_id = user_service.get_by_username("auditor_c").id
    other = db.session.scalar(select(ApiToken).join(User).where(User.username == "handler_a"))
    assert post_form(admin, f"/admin/accounts/{user_id}/tokens/{other.id}/revoke").status_code == 404


def test_admin_forms_need_their_csrf_token(world, admin):
    user_id = user_service.get_by_username("handler_a").id
    assert admin.post(f"/admin/accounts/{user_id}/deactivate").status_code == 400
    assert admin.post("/admin/units", data={"parent": "A", "code": "X1", "name": "x", "level": "department"}) \
        .status_code == 400
    assert _user("handler_a").active and org_service.find_by_code("X1") is None
