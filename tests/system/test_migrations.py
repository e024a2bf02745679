"""Migrations are the only way the schema is made: one head, and up → down → up works."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, inspect

from app import migrate
from app.db import Base
from tests.fixtures.databases import postgres_database


def test_there_is_a_single_head():
    assert len(migrate.heads()) == 1


@pytest.fixture
def scratch_url(tmp_path):
    url = os.environ.get("HCP_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    with postgres_database(url, prefix="hcp_mig") as created:
        yield created


@pytest.mark.no_transaction
def test_upgrade_downgrade_upgrade_leaves_every_table(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.downgrade(scratch_url, "base")
    engine = create_engine(scratch_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.no_transaction
def test_the_models_match_the_migrations(scratch_url):
    """Autogenerate finds nothing to do: no model change was left without its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    migrate.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []
