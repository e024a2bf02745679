"""Database engine, session and shared column types.

Services use ``db.session`` and only flush; the route, CLI command or job that started the work
owns the single commit, so a state change and its audit record land in one transaction.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, MetaData, create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Stores instants in UTC and gives back aware UTC datetimes on every database.

    SQLite keeps no offset, so values are normalised to UTC before they are written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _AppSession(Session):
    """Binds to the current app's engine, so several apps (tests, tools) can live in one process."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["db_engine"]


class Database:
    """A scoped session for whichever Flask app is current; each app owns its engine."""

    def __init__(self) -> None:
        self.session_factory = sessionmaker(class_=_AppSession, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db_engine"]

    def init_app(self, app) -> None:
        app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
        app.extensions["db"] = self

        @app.teardown_appcontext
        def remove_session(exc: BaseException | None) -> None:
            if exc is not None:
                self.session.rollback()
            self.session.remove()


def reserve_ids(model: type[Base], count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted set-wise, so the rows that refer to them can be
    built first and the INSERT needs no RETURNING (on PostgreSQL that costs several times the insert).

    PostgreSQL: values of the id column's sequence. SQLite: the ids after the largest one, which no other
    writer can take, since a transaction holds SQLite's write lock from its start (BEGIN IMMEDIATE).
    """
    if count <= 0:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                                            "FROM generate_series(1, :n)"), {"t": table.name, "n": count}))
    last = db.session.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + count + 1))


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Parameters hold personal data and evaluators' comments; SQLAlchemy would put them into every
    # database error's text, and so into the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # IMMEDIATE: a transaction takes SQLite's single write lock when it starts, so a command never
        # reads a snapshot that another writer outdates before it writes (SQLITE_BUSY_SNAPSHOT).
        # SQLite is the embedded, single-hall default; PostgreSQL serves concurrent load with row locks.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN, so SAVEPOINTs (batch intake, test isolation) behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


db = Database()
