"""Engine construction and schema migrations."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file gets WAL, foreign keys and a busy timeout.

    WAL lets the report and the CLI read while a run writes; busy_timeout makes
    a second writer wait instead of failing at once with "database is locked".
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration; migrations run on ``connection``, inside its transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# Any fixed number: the key of PostgreSQL's advisory lock for migrations.
_PG_MIGRATION_LOCK = 0x706C6564  # "pled"


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations across processes.

    Two processes opening a new database at once (a served flow run and the CLI, say)
    would both read "no schema yet" and both create the tables; the second then fails
    with "table already exists". With this lock the second waits, then finds the
    schema current and does nothing.
    """
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
        return
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        lock_path = Path(f"{url.database}.migrate-lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    yield


@contextmanager
def _one_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection whose whole migration commits or rolls back as one transaction.

    PostgreSQL's DDL is transactional as it is. Python's sqlite3 driver, left to
    itself, opens a transaction only before INSERT/UPDATE/DELETE and runs CREATE TABLE
    outside any: a process killed halfway through the first migration left some
    tables behind with no alembic_version row, and every later run then failed with
    "table ... already exists". Here the driver's own transaction handling is switched
    off and the migration runs between an explicit BEGIN IMMEDIATE and COMMIT
    (SQLAlchemy's pysqlite notes, "Serializable isolation / Savepoints / Transactional
    DDL").
    """
    if engine.url.get_backend_name() != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        previous = driver.isolation_level
        driver.isolation_level = None
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            driver.isolation_level = previous


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``: idempotent, safe from several processes at
    once, and all or nothing (a migration cut short leaves the schema as it was)."""
    with _migration_lock(engine), _one_transaction(engine) as conn:
        command.upgrade(alembic_config(conn), revision)
