"""The help desk's database: engines, transactions and migrations. SQLite is the embedded default; any other
SQLAlchemy DSN (PostgreSQL) works as is.

SQLite is set up for a server that may be killed at any moment and is written from many threads:

* WAL journal with ``synchronous=FULL``: a transaction is on disk when COMMIT returns, so an acknowledged
  ticket survives ``kill -9`` (and a power cut), and readers never block the writer.
* pysqlite's own transaction handling is switched off and writes begin with ``BEGIN IMMEDIATE``: a write
  transaction takes the write lock up front instead of failing with "database is locked" when it upgrades
  from a read lock halfway through. Other writers wait (``busy_timeout``) rather than fail.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ..errors import StoreUnavailable

log = logging.getLogger("assistant.desk")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE = {"faq_write": True}  # execution option: this connection's transactions write


MIGRATION_LOCK = 0x6661715F6D6967  # "faq_mig": the PostgreSQL advisory lock of schema migrations
CONNECT_TIMEOUT_S = 3  # a database that does not answer is an outage; requests must not hang on it


def make_engine(dsn: str) -> Engine:
    url = make_url(dsn)
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        private_files(Path(url.database))
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def private_files(database: Path) -> None:
    """The SQLite file holds users' contacts and questions: only the service's user may read it. It is created
    0600 before SQLite opens it (SQLite gives its -wal and -shm files the mode of the database file), and files
    an earlier version left world-readable are closed off."""
    database.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", ".lock"))):
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")
        _wal(cursor)
        for pragma in ("synchronous=FULL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def _wal(cursor: Any, wait_s: float = 30.0) -> None:
    """Switch the file to WAL (a no-op once it is). Switching needs the file to itself, and SQLite answers a
    connection that would deadlock waiting for it "database is locked" at once, busy timeout or not: workers
    starting together on a fresh file met that and one died. So try again for a while."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("faq_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class SqliteWriteLock:
    """Taken around every write transaction to one SQLite file. Writers of this process queue on a thread lock,
    and the processes sharing the file (FAQ_WORKERS) on an ``flock`` of ``<file>.lock``: both wake a waiter the
    moment the lock is free. SQLite's own busy handler polls with sleeps of up to 100 ms, which under load made
    the slowest requests wait for nothing. Other programs writing the file still meet ``busy_timeout``."""

    def __init__(self, database: str | None) -> None:
        self._thread = threading.Lock()
        self._fd: int | None = None
        if database and database != ":memory:":
            self._fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> SqliteWriteLock:
        self._thread.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema (idempotent). Concurrent starts serialise: on SQLite on the write lock, on
    PostgreSQL (replicas started together, deploy/) on an advisory lock held until the migration commits."""
    with engine.connect().execution_options(**WRITE) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


class Database:
    """One engine, migrated to the newest schema on construction, and the transactions every store runs in."""

    def __init__(self, engine: Engine, migrate: bool = True) -> None:
        self.engine = engine
        if migrate:
            upgrade(engine)
        self._write_lock = SqliteWriteLock(engine.url.database) if engine.dialect.name == "sqlite" else None
        self._logged = (float("-inf"), "")

    @classmethod
    def from_dsn(cls, dsn: str) -> Database:
        return cls(make_engine(dsn))

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A transaction, committed when the block ends; a failing database is StoreUnavailable."""
        try:
            with self._write_lock if write and self._write_lock else nullcontext(), self.engine.connect() as connection:
                if write:
                    connection = connection.execution_options(**WRITE)
                with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except (OperationalError, InterfaceError) as exc:
            self._log_failure(exc)
            raise StoreUnavailable("the ticket database cannot be reached; try again shortly") from exc

    def _log_failure(self, exc: Exception) -> None:
        """The driver's message (host, port, why) is for the log only: clients get a generic StoreUnavailable.
        An outage is logged when its message changes and every 10 s, not once per request."""
        message = str(getattr(exc, "orig", None) or exc).strip()
        now = time.monotonic()
        if message != self._logged[1] or now - self._logged[0] > 10:
            self._logged = (now, message)
            log.error("the ticket database failed: %s", message)

    def ping(self) -> None:
        with self.session() as session:
            session.execute(select(1))

    def close(self) -> None:
        self.engine.dispose()
        if self._write_lock is not None:
            self._write_lock.close()
