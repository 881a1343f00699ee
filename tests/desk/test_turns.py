"""Turns written behind the request: in order, none lost when a write fails, visible to readers after flush."""

from __future__ import annotations

import threading

import pytest

from assistant.desk.turns import NewTurn, TurnWriter
from assistant.errors import StoreUnavailable


def _turn(n: int) -> NewTurn:
    return NewTurn(session_id=f"s-{n:08d}", question=f"问题{n}", decision="answer", confidence=0.9, answer="答")


def test_a_failed_write_is_retried_in_order() -> None:
    written: list[str] = []
    failures = [RuntimeError("database is locked")]

    def write(batch: list[NewTurn]) -> None:
        if failures:
            raise failures.pop()
        written.extend(t.question for t in batch)

    writer = TurnWriter(write, retry_seconds=0.01)
    for n in range(50):
        writer.add(_turn(n))
    writer.flush(timeout=5)
    assert written == [f"问题{n}" for n in range(50)]
    writer.close()
    with pytest.raises(StoreUnavailable):
        writer.add(_turn(99))


def test_flush_gives_up_with_a_clear_error_when_the_database_stays_down() -> None:
    writer = TurnWriter(lambda batch: (_ for _ in ()).throw(RuntimeError("disk I/O error")), retry_seconds=0.01)
    writer.add(_turn(1))
    with pytest.raises(StoreUnavailable, match="could not be written"):
        writer.flush(timeout=0.2)
    writer.close(timeout=0.2)


def test_turns_from_many_threads_are_all_kept(store) -> None:
    def ask(n: int) -> None:
        for k in range(20):
            store.turns.record_turn(_turn(n * 100 + k))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sessions = [f"s-{n * 100 + k:08d}" for n in range(16) for k in range(20)]
    talks = store.turns.conversations(sessions)  # flushes first
    assert all(len(talks[s]) == 1 for s in sessions)
    assert sum(store.stats().decisions.values()) == 320


def test_the_write_lock_holds_across_store_instances(tmp_path) -> None:
    """Two stores on one file (as two worker processes have) take turns: the second waits for the first."""
    from assistant.desk.db import SqliteWriteLock

    first, second = SqliteWriteLock(str(tmp_path / "t.db")), SqliteWriteLock(str(tmp_path / "t.db"))
    got = threading.Event()

    def take() -> None:
        with second:
            got.set()

    with first:
        waiter = threading.Thread(target=take)
        waiter.start()
        assert not got.wait(0.3)
    assert got.wait(5)
    waiter.join()
    first.close()
    second.close()


def test_the_sqlite_files_are_private(tmp_path) -> None:
    """tickets.db and its -wal/-shm hold contacts: 0600 whatever the umask, also for files made before."""
    import os
    import stat

    from assistant.desk import DeskStore
    from assistant.desk.tickets import NewTicket

    old = tmp_path / "old.db"
    old.write_bytes(b"")
    os.chmod(old, 0o644)
    previous = os.umask(0o022)
    try:
        for path in (tmp_path / "data" / "tickets.db", old):
            store = DeskStore.from_dsn(f"sqlite:///{path}")
            store.tickets.create_ticket(NewTicket(question="q", team="product", reason="r", source="user"))
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            assert all(f.exists() for f in files)
            assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}, [oct(f.stat().st_mode) for f in files]
            store.close()
    finally:
        os.umask(previous)


def test_recent_turns_of_many_sessions_in_one_read(store) -> None:
    """The ask lane reads a batch's sessions at once: each session's last turns since the time, oldest first,
    queued turns included, and a session that sent hundreds does not crowd the others out."""
    import datetime as dt

    def said(session: str, question: str, at: dt.datetime | None = None) -> None:
        store.turns.record_turn(NewTurn(session_id=session, question=question, decision="answer", confidence=0.9,
                                        answer="答", at=at))

    now = store.clock()
    said("old-session", "一小时前", now - dt.timedelta(hours=1))
    said("old-session", "刚才")
    for n in range(100):  # more than the read's first cut (4 times the limit per session)
        said("chatty-session", f"刷屏{n}")
    said("quiet-session", "第一句")
    store.turns.flush()
    said("quiet-session", "第二句")  # maybe still queued: read all the same
    since = now - dt.timedelta(minutes=30)
    recent = store.turns.recent_many(["old-session", "chatty-session", "quiet-session", "nobody-here"], since, 4)
    assert [t.question for t in recent["old-session"]] == ["刚才"]
    assert [t.question for t in recent["chatty-session"]] == ["刷屏96", "刷屏97", "刷屏98", "刷屏99"]
    assert [t.question for t in recent["quiet-session"]] == ["第一句", "第二句"]
    assert recent["nobody-here"] == []
    assert store.turns.recent("chatty-session", since, 2)[-1].question == "刷屏99"
    assert store.turns.recent_many([], since, 4) == {}
