from __future__ import annotations

import pytest


@pytest.fixture
def fujian(app, monkeypatch):
    """The Fujian profile: default 满意 after 7 natural days, supplementary window from config (5)."""
    monkeypatch.setitem(app.config, "POLICY_PROFILE", "fujian")
