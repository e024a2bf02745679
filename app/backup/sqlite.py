"""SQLite files: a consistent copy while the service runs (the online backup API reads one snapshot), and a
restore that replaces the database's pages in place under SQLite's own locks."""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from app.backup import BackupError

MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = ("alembic_version", "audit_event")


def backup(database: Path, target: Path) -> None:
    """Copy ``database`` to ``target`` (written beside it first, then renamed, so a failure leaves no half file)."""
    if not database.exists():
        raise BackupError(f"数据库文件 {database} 不存在")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(database, timeout=30)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            _check_integrity(copy, partial)
        os.replace(partial, target)
    except sqlite3.Error as err:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{err}") from err


def check_backup_file(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} 不是 SQLite 数据库文件（不是本系统的备份）")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
        missing = [name for name in REQUIRED_TABLES if name not in _tables(source)]
        if missing:
            raise BackupError(f"{path} 不是好差评数据库的备份（缺少表 {', '.join(missing)}）")
        _check_integrity(source, path)


def has_data(database: Path) -> bool:
    if not database.exists() or database.stat().st_size == 0:
        return False
    with closing(sqlite3.connect(database, timeout=30)) as target:
        return "alembic_version" in _tables(target)


def restore(source: Path, database: Path) -> None:
    """Replace every page of ``database`` with the backup's (other connections see the restored data next time)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file, \
                closing(sqlite3.connect(database, timeout=30)) as target:
            backup_file.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # the service's mode (app/db.py)
            _check_integrity(target, database)
    except sqlite3.Error as err:
        raise BackupError(f"恢复失败：{err}") from err


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = connection.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} 未通过 SQLite 完整性检查：{result}")
