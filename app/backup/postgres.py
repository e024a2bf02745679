"""PostgreSQL: pg_dump in the custom format (-Fc) for a consistent backup while the service runs, and pg_restore in
one transaction (a failed restore changes nothing). The connection settings go to the tools as PG* environment
variables, so the password never shows in the process list."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

from app.backup import BackupError

# pg_restore: drop and recreate the objects it restores, ignore ownership and grants of the dumping server, and
# stop at the first error inside one transaction.
RESTORE_OPTIONS = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                   "--exit-on-error"]


def tool(name: str, bin_dir: str = "") -> str:
    """The path of ``pg_dump`` or ``pg_restore``: HCP_PG_BIN_DIR, then PATH, then the newest Debian cluster."""
    candidates = [str(Path(bin_dir) / name)] if bin_dir else []
    candidates.append(shutil.which(name) or "")
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"未找到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install postgresql-client，"
                      "版本不低于数据库服务器），或设置 HCP_PG_BIN_DIR 指向其所在目录")


def _major(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def connection_env(url: URL) -> dict[str, str]:
    settings = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
                "PGDATABASE": url.database, "PGSSLMODE": url.query.get("sslmode")}
    return {**os.environ, **{key: str(value) for key, value in settings.items() if value}}


def backup(url: URL, target: Path, bin_dir: str = "") -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _run([tool("pg_dump", bin_dir), "--format=custom", f"--file={partial}"], url, "备份")
    os.replace(partial, target)


def check_backup_file(path: Path, url: URL, bin_dir: str = "") -> None:
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    listing = _run([tool("pg_restore", bin_dir), "--list", str(path)], url, "读取备份文件",
                   failure=f"{path} 不是 pg_dump -Fc（自定义格式）备份文件")
    if "TABLE public audit_event " not in listing or "alembic_version" not in listing:
        raise BackupError(f"{path} 不是好差评数据库的备份（缺少 audit_event 或 alembic_version 表）")


def has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT to_regclass('public.alembic_version') IS NOT NULL"))


def other_connections(engine: Engine, settle_seconds: float = 2.0) -> int:
    """Sessions of other clients on this database; a session a client has just closed may take a moment to go."""
    deadline = time.monotonic() + settle_seconds
    with engine.connect() as conn:
        while True:
            count = conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            if not count or time.monotonic() >= deadline:
                return count
            time.sleep(0.2)


def restore(source: Path, url: URL, bin_dir: str = "") -> None:
    _run([tool("pg_restore", bin_dir), *RESTORE_OPTIONS, f"--dbname={url.database}", str(source)], url, "恢复")


def _run(command: list[str], url: URL, what: str, failure: str | None = None) -> str:
    done = subprocess.run(command, env=connection_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise BackupError(failure or f"{what}失败（{Path(command[0]).name} 退出码 {done.returncode}）：{detail}")
    return done.stdout
