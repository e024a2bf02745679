"""Taking access away works at once: the very next request of a token or a session that was just in use
sees the revoked token, the deactivated account, the new roles or the new unit."""
from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.user import service as user_service
from app.user.models import ApiToken
from tests.fixtures.lifecycle import local
from tests.web.conftest import sign_in  # noqa: F401 - the fixture


def test_a_token_revoked_between_two_requests_is_refused_on_the_second(client, world):
    headers = world.headers("auditor_c")
    assert client.get("/api/v1/evaluations", headers=headers).status_code == 200
    user = user_service.get_by_username("auditor_c")
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    user_service.revoke_token(token, actor="user:admin_c")
    db.session.commit()
    assert client.get("/api/v1/evaluations", headers=headers).status_code == 401


def test_an_account_deactivated_between_two_requests_loses_api_and_pages(client, world, sign_in):  # noqa: F811
    page = sign_in("handler_a")
    assert client.get("/api/v1/tasks", headers=world.headers("handler_a")).status_code == 200
    assert page.get("/tasks").status_code == 200
    user_service.deactivate(user_service.get_by_username("handler_a"), actor="user:admin_c")
    db.session.commit()
    assert client.get("/api/v1/tasks", headers=world.headers("handler_a")).status_code == 401
    assert page.get("/tasks").status_code == 302  # back to the sign-in page


def test_a_role_or_unit_change_applies_to_the_next_inbox_request(client, world, open_case, sign_in):  # noqa: F811
    case = open_case(at=local(2026, 11, 20, 9, 0))
    page = sign_in("handler_a")
    assert [t["case_no"] for t in client.get("/api/v1/tasks", headers=world.headers("handler_a")).json["items"]] \
        == [case.case.case_no]
    assert case.case.case_no in page.get("/tasks").get_data(as_text=True)
    user_service.set_org_unit(user_service.get_by_username("handler_a"), org_unit=world.units["B-HR"],
                              actor="user:admin_c")
    db.session.commit()
    assert client.get("/api/v1/tasks", headers=world.headers("handler_a")).json["items"] == []
    assert case.case.case_no not in page.get("/tasks").get_data(as_text=True)
    user_service.update_roles(user_service.get_by_username("handler_a"), roles=["auditor"], actor="user:admin_c")
    db.session.commit()
    assert page.get("/tasks").status_code == 403
