"""Ticket stores to run the contract suite against: SQLite always; PostgreSQL when its binaries are installed
(a throwaway cluster for the test session, tests/pg.py; one database per test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.desk import DeskStore
from tests.pg import PgCluster


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgCluster]:
    """A PostgreSQL cluster for this test session."""
    with PgCluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tickets.db'}"
        return
    server: PgCluster = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.admin(f"CREATE DATABASE {name}")
    yield f"{server.dsn}/{name}"
    server.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture()
def store(dsn: str) -> Iterator[DeskStore]:
    s = DeskStore.from_dsn(dsn)
    yield s
    s.close()
