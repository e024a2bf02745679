"""Clients of the model registry (API and pages) for the tests of this package and tests/policy.

They use the session app as it is built: the app registers the model API and the policy hooks itself,
so a missing registration fails these tests.
"""
from __future__ import annotations

import re

import pytest

from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def api(app, world):
    return app.test_client()


def csrf_token(client, path: str) -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def signed_in(app, world):
    """A browser-like client signed in as the given user (a fresh client per call)."""

    def make(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return make
