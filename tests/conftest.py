"""Test harness: one database per test session built by `alembic upgrade head`, each test inside a
transaction rolled back at the end, a frozen clock, and a small org tree with one account per role.

SQLite by default; set HCP_TEST_DATABASE_URL=postgresql+psycopg://user@host:port/postgres to run the
same suite on PostgreSQL (a throwaway database is created next to the one named and dropped after).
"""
from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from app import create_app, migrate
from app.clock import FrozenClock
from app.db import db
from app.web.extensions import limiter
from tests.fixtures.databases import postgres_database

TEST_NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Asia/Shanghai

pytest_plugins = ["tests.fixtures.world", "tests.fixtures.lifecycle", "tests.fixtures.browser"]


@contextmanager
def throwaway_database(directory):
    """A new, empty database: an SQLite file in ``directory``, or a fresh database on the PostgreSQL server."""
    url = os.environ.get("HCP_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{directory / 'test.sqlite3'}"
        return
    with postgres_database(url) as created:
        yield created


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("db")) as url:
        yield url


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's own app context, so ``g`` is fresh per request as in production
    (Flask would otherwise reuse the pushed context). The database session is still the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url})
    app.test_client_class = IsolatedClient
    migrate.upgrade(database_url)
    app.extensions["clock"] = FrozenClock(TEST_NOW)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def is_postgres(app) -> bool:
    return app.extensions["db_engine"].dialect.name == "postgresql"


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test runs in one outer transaction that is rolled back; commits only release savepoints."""
    limiter.reset()  # rate limits are per test, not per run (browser tests sign in from one address)
    if "no_transaction" in request.keywords:
        yield
        return
    app.extensions["clock"].set(TEST_NOW)
    connection = app.extensions["db_engine"].connect()
    outer = connection.begin()
    db.session.remove()
    db.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        ctx.pop()
        db.session.remove()
        db.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def clock(app) -> FrozenClock:
    """The app's frozen clock, reset to TEST_NOW before every test."""
    return app.extensions["clock"]


@pytest.fixture
def client(app):
    return app.test_client()
