"""`haochaping backup` and `haochaping restore` on the suite's database kind (SQLite, or PostgreSQL with
HCP_TEST_DATABASE_URL), and the pg_dump/pg_restore commands README documents."""
from __future__ import annotations

import os
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.backup.postgres import tool
from app.cli import main
from app.server.scheduler_lock import try_lock
from tests.conftest import throwaway_database

pytestmark = pytest.mark.no_transaction


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("backup")


def hcp(url: str, *args: str, lock_file=None):
    env = {"HCP_DATABASE_URL": url, "HCP_ENV": "development"}
    if lock_file is not None:
        env["HCP_SCHEDULER_LOCK_FILE"] = str(lock_file)
    return CliRunner().invoke(main, list(args), env=env)


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(workdir):
    """A database with a few days of demo cases (and their audit chain), and a backup of it."""
    (workdir / "source").mkdir()
    with throwaway_database(workdir / "source") as url:
        assert hcp(url, "db", "upgrade").exit_code == 0
        assert hcp(url, "seed-demo", "--cases", "8").exit_code == 0
        yield url


@pytest.fixture
def target(tmp_path):
    with throwaway_database(tmp_path) as url:
        yield url


@pytest.fixture
def backup_file(source, tmp_path):
    path = tmp_path / "hcp.backup"
    result = hcp(source, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_a_backup_taken_during_a_write_restores_into_a_new_database_whose_chain_verifies_and_continues(
        source, target, tmp_path):
    path = tmp_path / "during-write.backup"
    engine = create_engine(source)
    with engine.connect() as writer:  # a transaction in flight while the backup runs: not in the copy
        writer.execute(text("UPDATE org_unit SET name = 'not committed'"))
        result = hcp(source, "backup", str(path))
        writer.rollback()
    engine.dispose()
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output

    restored = hcp(target, "restore", str(path), lock_file=tmp_path / "scheduler.lock")
    assert restored.exit_code == 0, restored.output
    assert "审计链完整" in restored.output
    for table in ("evaluation", "bad_review_case", "audit_event", "user_account"):
        assert scalar(target, f"SELECT count(*) FROM {table}") == scalar(source, f"SELECT count(*) FROM {table}")
    assert scalar(target, "SELECT count(*) FROM org_unit WHERE name = 'not committed'") == 0

    events = scalar(target, "SELECT count(*) FROM audit_event")
    assert hcp(target, "token", "create", "--username", "integration", "--name", "after restore").exit_code == 0
    assert scalar(target, "SELECT count(*) FROM audit_event") > events
    verified = hcp(target, "audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_restore_over_a_database_with_data_needs_force_and_then_replaces_it(target, backup_file, tmp_path):
    lock = tmp_path / "scheduler.lock"
    assert hcp(target, "restore", str(backup_file), lock_file=lock).exit_code == 0
    assert hcp(target, "token", "create", "--username", "integration", "--name", "written later").exit_code == 0

    refused = hcp(target, "restore", str(backup_file), lock_file=lock)
    assert refused.exit_code == 1
    assert "已有数据" in refused.output and "--force" in refused.output
    assert scalar(target, "SELECT count(*) FROM api_token WHERE name = 'written later'") == 1

    forced = hcp(target, "restore", "--force", str(backup_file), lock_file=lock)
    assert forced.exit_code == 0, forced.output
    assert scalar(target, "SELECT count(*) FROM api_token WHERE name = 'written later'") == 0


def test_restore_refuses_a_file_that_is_not_a_backup(target, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("不是备份")
    result = hcp(target, "restore", str(junk), lock_file=tmp_path / "scheduler.lock")
    assert result.exit_code == 1
    assert "不是" in result.output and "备份" in result.output
    missing = hcp(target, "restore", str(tmp_path / "nowhere.backup"), lock_file=tmp_path / "scheduler.lock")
    assert missing.exit_code == 1 and "不存在" in missing.output


def test_backup_does_not_overwrite_a_file_without_force(source, backup_file):
    before = backup_file.read_bytes()
    refused = hcp(source, "backup", str(backup_file))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert backup_file.read_bytes() == before
    assert hcp(source, "backup", "--force", str(backup_file)).exit_code == 0


def test_restore_refuses_while_the_service_runs_on_the_database(target, backup_file, tmp_path, is_postgres):
    lock_file = tmp_path / "scheduler.lock"
    if is_postgres:
        engine = create_engine(target)
        service = engine.connect()  # a serving process's pooled connection
        service.execute(text("SELECT 1"))
        service.commit()
    else:
        service = os.fdopen(try_lock(lock_file))  # the serving process holding the scheduler lock
    try:
        result = hcp(target, "restore", "--force", str(backup_file), lock_file=lock_file)
    finally:
        service.close()
        if is_postgres:
            engine.dispose()
    assert result.exit_code == 1
    assert "服务" in result.output and "停止" in result.output


@pytest.mark.postgres_only
def test_the_documented_pg_dump_and_pg_restore_commands_round_trip(source, target, tmp_path, is_postgres):
    if not is_postgres:
        pytest.skip("pg_dump and pg_restore serve PostgreSQL only")
    source_libpq = make_url(source).set(drivername="postgresql").render_as_string(hide_password=False)
    target_libpq = make_url(target).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = tmp_path / "hcp.dump"
    # README "备份与恢复", PostgreSQL
    subprocess.run([tool("pg_dump"), "--format=custom", f"--file={dump}", source_libpq], check=True)
    subprocess.run([tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                    f"--dbname={target_libpq}", str(dump)], check=True)
    verified = hcp(target, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert scalar(target, "SELECT count(*) FROM audit_event") == scalar(source, "SELECT count(*) FROM audit_event")
