"""Sign-in, sign-out, lockout, CSRF and security headers of the web pages."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app.db import db
from app.user.service import get_by_username
from tests.fixtures.world import PASSWORD
from tests.web.conftest import csrf_token


def _post_login(client, username, password, token=None):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token if token is not None else csrf_token(client)})


def test_the_login_page_is_in_chinese_and_carries_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_right_password_signs_in_and_sign_out_ends_the_session(app, world):
    client = app.test_client()
    response = _post_login(client, "handler_a", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    logout = client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    assert logout.status_code == 302
    assert client.get("/").headers["Location"].endswith("/login")


def test_a_wrong_password_gives_the_same_message_as_an_unknown_user(app, world):
    client = app.test_client()
    wrong = _post_login(client, "handler_a", "nope-nope-nope").get_data(as_text=True)
    unknown = _post_login(client, "ghost", "nope-nope-nope").get_data(as_text=True)
    assert "用户名或密码错误" in wrong and "用户名或密码错误" in unknown


def test_five_failures_lock_the_account_even_for_the_right_password(app, world, clock):
    client = app.test_client()
    for _ in range(5):
        assert _post_login(client, "handler_a", "wrong-password").status_code == 401
    locked = _post_login(client, "handler_a", PASSWORD)
    assert locked.status_code == 401
    assert "锁定" in locked.get_data(as_text=True)
    clock.advance(minutes=16)
    assert _post_login(client, "handler_a", PASSWORD).status_code == 302
    assert get_by_username("handler_a").failed_logins == 0


def test_a_form_without_its_csrf_token_is_refused(app, world):
    client = app.test_client()
    response = client.post("/login", data={"username": "handler_a", "password": PASSWORD})
    assert response.status_code in (400, 401)
    assert client.get("/").headers.get("Location", "").endswith("/login")


def test_integration_clients_cannot_sign_in_to_pages(app, world):
    user = get_by_username("client_c")
    user.password_hash = get_by_username("handler_a").password_hash
    db.session.flush()
    assert _post_login(app.test_client(), "client_c", PASSWORD).status_code == 401


def test_pages_need_a_session(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_unknown_page_is_a_chinese_404(sign_in):
    response = sign_in("handler_a").get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


LEAVING_THE_SITE = ["/%09/evil.example/phish", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
                    "//evil.example", "/\\evil.example", "\\/evil.example", "/%5Cevil.example", "/%2F/evil.example",
                    "%2F%2Fevil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)",
                    "/%0a/evil.example", " //evil.example", "evil.example", "///evil.example"]


@pytest.mark.parametrize("target", LEAVING_THE_SITE)
def test_sign_in_never_redirects_to_another_site(app, world, target):
    client = app.test_client()
    response = client.post("/login?" + urlencode({"next": target}, safe="%"),
                           data={"username": "handler_a", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_sign_in_returns_to_the_page_on_this_site_that_asked_for_it(app, world):
    client = app.test_client()
    response = client.post("/login?" + urlencode({"next": "/tasks?q=GD-1&page=2"}),
                           data={"username": "handler_a", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/tasks?q=GD-1&page=2"
