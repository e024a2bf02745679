"""Reads only read: every GET route of the app, as every role, runs without a flush or a commit.

A read that writes makes readers queue behind writers and can start minutes of work inside a page view (the
statistics once rebuilt their aggregates on the first read after an upgrade). The walk fills each route's
arguments with real ids of a worked case, so the handlers get past their look-ups.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.db import _AppSession
from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WEB_USERS = ("handler_a", "supervisor_a", "sup_lead_a", "auditor_c", "policy_c", "admin_c")
API_USERS = ("handler_a", "supervisor_a", "auditor_c", "policy_c", "client_c")


def _sign_in(app, username: str):
    client = app.test_client()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, username
    return client


def _arguments(case, world) -> dict:
    task = case.open_tasks()[0]
    return {"case_id": case.case_id, "task_id": task.id, "evaluation_id": case.case.evaluation_id,
            "user_id": task.org_unit_id, "unit_id": world.units["A"].id, "process_id": "bad_review", "version": 1,
            "org_code": "A", "month": "2026-11", "year": 2026, "draw_id": 1, "sample_id": 1, "snapshot_id": 1,
            "preview_id": 1, "name": "verify",
            "case_no": case.case.evaluation.service_case.case_no, "token": "not-a-valid-link",
            "filename": "css/app.css"}


def _get_urls(app, arguments: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {name: arguments[name] for name in rule.arguments}
        with app.test_request_context():
            urls.append(app.url_for(rule.endpoint, **values))
    return sorted(set(urls))


@pytest.fixture
def writes():
    """Every flush that writes and every commit, by the URL being served."""
    seen: list[str] = []

    def on_commit(session):
        seen.append("commit")

    def on_flush(session, context, instances):
        seen.append("flush: " + ", ".join(sorted({type(o).__name__ for o in [*session.new, *session.dirty,
                                                                             *session.deleted]})))

    event.listen(_AppSession, "before_commit", on_commit)
    event.listen(_AppSession, "before_flush", on_flush)
    yield seen
    event.remove(_AppSession, "before_commit", on_commit)
    event.remove(_AppSession, "before_flush", on_flush)


def test_no_get_route_flushes_or_commits_as_any_role(app, world, open_case, writes):
    case = open_case()
    case.do("sign_for", {"action": "accept", "note": "已签收"})
    arguments = _arguments(case, world)
    callers = [(f"page as {u}", _sign_in(app, u), {}) for u in WEB_USERS]
    callers += [(f"api as {u}", app.test_client(), world.headers(u)) for u in API_USERS]
    callers.append(("anonymous", app.test_client(), {}))
    urls = _get_urls(app, arguments)
    assert len(urls) > 60  # the walk covers the app, not a handful of routes
    offenders = []
    for who, client, headers in callers:
        for url in urls:
            writes.clear()
            response = client.get(url, headers=headers)
            assert response.status_code < 500, f"{url} ({who}): {response.status_code}"
            if writes:
                offenders.append(f"{url} ({who}): {sorted(set(writes))}")
    assert offenders == []
