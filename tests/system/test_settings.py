"""Configuration layering: default → environment file → HCP_* variables."""
from __future__ import annotations

import pytest

from app import create_app
from app.settings import ConfigError


def test_environment_variables_override_the_files(monkeypatch, tmp_path):
    monkeypatch.setenv("HCP_COMMENT_MAX_LENGTH", "200")
    monkeypatch.setenv("HCP_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    app = create_app({"ENV": "testing"})
    assert app.config["COMMENT_MAX_LENGTH"] == 200
    assert app.config["DATABASE_URL"].endswith("x.sqlite3")
    assert app.config["TESTING"] is True


def test_production_refuses_to_start_with_development_secrets(monkeypatch):
    monkeypatch.delenv("HCP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://"})


def test_an_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="HCP_ENV"):
        create_app({"ENV": "staging"})
