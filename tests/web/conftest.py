from __future__ import annotations

import re

import pytest

from tests.fixtures.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


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
