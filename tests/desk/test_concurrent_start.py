"""Workers (FAQ_WORKERS) and replicas start together on one fresh SQLite file: none of them may fail.

Two processes opening a new file at once both try to switch it to WAL; SQLite answers the loser "database is
locked" at once, without waiting its busy timeout, and a worker died at startup that way (`make serve` on a fresh
machine then served with one worker of two)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from assistant.desk.db import Database


def _open(path: str, start: object, results: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    try:
        Database.from_dsn(f"sqlite:///{path}").engine.dispose()
        results.put("ok")  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - the test reports what failed
        results.put(repr(exc))  # type: ignore[attr-defined]


def test_processes_open_a_fresh_file_together(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for round_ in range(40):
        path = tmp_path / f"desk-{round_}.db"
        start, results = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(str(path), start, results)) for _ in range(4)]
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(60)
        outcomes += [results.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * len(outcomes), [o for o in outcomes if o != "ok"][:3]
    tables = Database.from_dsn(f"sqlite:///{tmp_path / 'desk-0.db'}")
    with tables.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
