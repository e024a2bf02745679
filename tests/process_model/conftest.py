"""The model registry's API and the policy hooks, for the tests of this package and tests/policy.

``registry_app`` is the session app once app/__init__.py registers ``app.process_model.routes.blp`` and
``app.policy.init_app``; until then a second app on the same database (same clock and calendar, and the
test's transaction, since the session is bound to the test's connection) with those registrations.
"""
from __future__ import annotations

import re

import pytest

from app import create_app
from app.policy import calendar_banner_context
from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _complete(app) -> bool:
    processors = app.template_context_processors.get(None, [])
    return "models" in app.blueprints and calendar_banner_context in processors


@pytest.fixture(scope="session")
def registry_app(app):
    if _complete(app):
        yield app
        return
    from app.api import api
    from app.policy import init_app as init_policy
    from app.process_model.routes import blp
    from app.web.extensions import csrf

    extra = create_app({"ENV": "testing", "DATABASE_URL": app.config["DATABASE_URL"]})
    if "models" not in extra.blueprints:
        api.register_blueprint(blp)
        csrf.exempt(blp)
    if calendar_banner_context not in extra.template_context_processors.get(None, []):
        init_policy(extra)
    extra.test_client_class = app.test_client_class
    extra.extensions["clock"] = app.extensions["clock"]
    extra.extensions["calendar"] = app.extensions["calendar"]
    yield extra
    extra.extensions["db_engine"].dispose()


@pytest.fixture
def api(registry_app, world):
    return registry_app.test_client()


def csrf_token(client, path: str) -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def signed_in(registry_app, world):
    """A browser-like client signed in as the given user (a fresh client per call)."""

    def make(username: str):
        client = registry_app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return make
