"""Pages answer an error page, never a server error, for ids no record can have and for unstorable text."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import db
from app.user.models import User
from tests.web.conftest import post_form


@pytest.mark.parametrize("path", ["/cases/2147483648", "/tasks/2147483648", f"/cases/{2**63}/diagram.bpmn",
                                  "/audit/cases/2147483648", "/stats/reports/A%00/2026-11"])
def test_a_page_for_something_that_cannot_exist_is_a_404(sign_in, path):
    response = sign_in("supervisor_a").get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_unstorable_text_in_a_page_query_is_refused_with_an_error_page(sign_in):
    response = sign_in("handler_a").get("/tasks?q=a%00b")
    assert response.status_code == 422
    assert "无法保存的字符" in response.get_data(as_text=True)


def test_unstorable_text_in_a_form_is_refused_and_nothing_changes(admin, world):
    accounts = db.session.scalar(select(func.count()).select_from(User))
    response = post_form(admin, "/admin/accounts/new", {"username": "x\u0000y", "display_name": "某人"},
                         page="/admin/accounts/new")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == accounts
