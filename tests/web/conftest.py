from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from app.db import db
from app.user import service as user_service
from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def post_form(client, path: str, data: dict | MultiDict | None = None, page: str = "/admin/accounts"):
    """Posts ``data`` with the CSRF token of ``page``, like a browser submitting a form of that page."""
    form = MultiDict(data or {})
    form["csrf_token"] = csrf_token(client, page)
    return client.post(path, data=form)


def field_help(html: str, field_id: str) -> str:
    """The help block under one field of the admin forms: where its error messages are."""
    match = re.search(rf'<div id="{field_id}-help" class="help">(.*?)</div>', html, re.S)
    assert match, f"no help block for {field_id}"
    return match.group(1)


@pytest.fixture
def sign_in(app, world):
    """Returns a test client signed in as the given user (a fresh client per call)."""

    def make(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make


@pytest.fixture
def admin(sign_in):
    """A client signed in as admin_c, the system administrator of the city (某市)."""
    return sign_in("admin_c")


@pytest.fixture
def county_admin(world, sign_in):
    """A client signed in as a system administrator of 甲县 only: 乙县 lies outside their scope."""
    user_service.create(username="admin_a", display_name="甲县管理员", org_unit=world.units["A"], roles=["sysadmin"],
                        password=PASSWORD)
    db.session.commit()
    return sign_in("admin_a")
