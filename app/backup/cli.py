"""`haochaping backup FILE` and `haochaping restore FILE`: the whole database, on SQLite or PostgreSQL."""
from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from app.backup import BackupError, postgres, sqlite
from app.db import db

FILE = click.Path(dir_okay=False, path_type=Path)


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(1)


def _database(app) -> URL:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and not url.database:
        _fail("内存中的 SQLite 数据库无法备份或恢复")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        _fail(f"不支持的数据库：{url.get_backend_name()}")
    return url


@click.command("backup")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
@click.pass_obj
def backup(app, file: Path, force: bool) -> None:
    """Write a consistent copy of the database to FILE while the service keeps running
    (SQLite: online backup API; PostgreSQL: pg_dump -Fc)."""
    url = _database(app)
    if file.exists() and not force:
        _fail(f"{file} 已存在；覆盖它请加 --force")
    try:
        if url.get_backend_name() == "sqlite":
            sqlite.backup(Path(url.database), file)
        else:
            postgres.backup(url, file, app.config["PG_BIN_DIR"])
    except BackupError as err:
        _fail(str(err))
    click.echo(f"已备份到 {file}（{file.stat().st_size:,} 字节）/ backup written")


@click.command("restore")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.pass_context
def restore(ctx: click.Context, file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE, then verify the audit chain.

    Refused while the service runs on the database, and, without --force, when the database holds data."""
    app = ctx.obj
    url = _database(app)
    db.session.remove()
    db.engine.dispose()  # none of this process's connections stays on the database being replaced
    try:
        if url.get_backend_name() == "sqlite":
            _restore_sqlite(app, file, Path(url.database), force)
        else:
            _restore_postgres(app, file, url, force)
    except BackupError as err:
        _fail(str(err))
    db.engine.dispose()
    click.echo(f"已从 {file} 恢复数据库 / database restored")
    _verify_after_restore(ctx)


REPLACE_WARNING = ("目标数据库已有数据。恢复会用备份整体替换它，备份之后写入的数据将全部丢失；"
                   "确认无误请先停止服务，再加 --force 重新运行")


def _restore_sqlite(app, file: Path, database: Path, force: bool) -> None:
    from app.server.scheduler_lock import lock_path, try_lock

    sqlite.check_backup_file(file)
    if database.exists() and database.resolve() == file.resolve():
        raise BackupError("备份文件就是当前数据库文件")
    lock = try_lock(lock_path(app))
    if lock is None:
        raise BackupError(f"服务正在运行（有进程持有 {lock_path(app)}）：请先停止服务和定时任务再恢复")
    try:
        if sqlite.has_data(database) and not force:
            raise BackupError(REPLACE_WARNING)
        sqlite.restore(file, database)
    finally:
        os.close(lock)


def _restore_postgres(app, file: Path, url: URL, force: bool) -> None:
    bin_dir = app.config["PG_BIN_DIR"]
    postgres.check_backup_file(file, url, bin_dir)
    others = postgres.other_connections(db.engine)
    if others:
        raise BackupError(f"数据库 {url.database} 还有 {others} 个其他连接（服务仍在运行？）："
                          "请先停止服务和定时任务再恢复")
    if postgres.has_data(db.engine) and not force:
        raise BackupError(REPLACE_WARNING)
    db.engine.dispose()
    postgres.restore(file, url, bin_dir)


def _verify_after_restore(ctx: click.Context) -> None:
    from app import migrate
    from app.cli import audit_verify

    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()
    if revision not in migrate.heads():
        click.echo(f"备份的数据库结构版本为 {revision}：请运行 haochaping db upgrade，再运行 haochaping audit verify")
        return
    ctx.invoke(audit_verify)
