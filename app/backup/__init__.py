"""Backup and restore of the whole database: SQLite through its online backup API, PostgreSQL through
pg_dump/pg_restore in the custom format."""
from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that must not go ahead; the message says why, in Chinese, for the operator."""
