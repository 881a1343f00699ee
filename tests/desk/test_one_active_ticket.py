"""A session has at most one active ticket, whoever races: the database decides (migration 0002's partial
unique index), on SQLite and PostgreSQL; and databases made before it are cleaned up by the migration."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from assistant.desk import DeskStore
from assistant.desk.db import Database, make_engine, upgrade
from assistant.desk.tickets import NewTicket

RACES = 500


def _new(session: str | None, question: str = "我要找人工客服") -> NewTicket:
    return NewTicket(question=question, team="product", reason="the user asked for a person", source="user",
                     session_id=session)


def _active_per_session(store: DeskStore) -> dict[str, int]:
    with store.db.engine.connect() as c:
        rows = c.execute(text("SELECT session_id, COUNT(*) FROM tickets WHERE status != 'resolved' "
                              "AND session_id IS NOT NULL GROUP BY session_id")).all()
    return {str(s): int(n) for s, n in rows}


@pytest.mark.slow
def test_concurrent_handoffs_of_one_session_share_one_ticket(store: DeskStore) -> None:
    """Two threads hand the same session off at the same moment, 500 times over: one ticket each time, and
    the loser gets the winner's ticket back (no token)."""
    barrier = threading.Barrier(2)

    def handoff(session: str) -> tuple[int, str | None]:
        barrier.wait(timeout=30)
        ticket, token = store.tickets.create_ticket(_new(session))
        return ticket.id, token

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        for n in range(RACES):
            session = f"race-{n:04d}-{uuid.uuid4().hex[:8]}"
            results = list(pool.map(handoff, [session, session]))
            assert results[0][0] == results[1][0], results
            assert sorted(token is None for _, token in results) == [False, True], results
    counts = _active_per_session(store)
    assert len(counts) == RACES and set(counts.values()) == {1}
    assert time.monotonic() - started < 120


def test_the_index_holds_at_the_database(store: DeskStore) -> None:
    first, token = store.tickets.create_ticket(_new("sess-index"))
    assert token is not None
    with pytest.raises(IntegrityError), store.db.engine.begin() as c:
        c.execute(text("INSERT INTO tickets (status, team, question, session_id, channel, source, reason, "
                       "suggestions, token_hash, created_at, updated_at) VALUES ('open', 'product', 'q', "
                       "'sess-index', 'web', 'user', 'r', '[]', 'x', :t, :t)"), {"t": first.created_at})
    again, no_token = store.tickets.create_ticket(_new("sess-index", "又一次"))
    assert again.id == first.id and no_token is None
    store.tickets.create_ticket(_new(None))  # tickets without a session are never merged
    store.tickets.create_ticket(_new(None))
    resolved = store.tickets.apply(first.id, _close(store, first.id))
    assert resolved.status == "resolved"
    newer, token = store.tickets.create_ticket(_new("sess-index", "新问题"))
    assert newer.id != first.id and token is not None


def _close(store: DeskStore, ticket_id: int):
    from assistant.desk.tickets import Change

    store.tickets.apply(ticket_id, Change("claim", "alice", frozenset({"open"}), "claimed", assign=True))
    return Change("reply", "alice", frozenset({"claimed"}), "resolved", text="好了")


def test_migration_0002_resolves_duplicates_made_before_it(dsn: str) -> None:
    engine = make_engine(dsn)
    try:
        upgrade(engine, "0001")
        insert = text("INSERT INTO tickets (status, team, question, session_id, channel, source, reason, suggestions,"
                      " token_hash, assignee, created_at, updated_at) VALUES (:status, 'product', :q, :session, 'web',"
                      " 'user', 'r', '[]', 'x', :assignee, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        rows = [("open", "dup-a", None), ("claimed", "dup-a", "bob"), ("open", "dup-a", None),
                ("resolved", "dup-b", None), ("open", "dup-b", None), ("open", "dup-b", None),
                ("open", "single", None), ("open", None, None), ("open", None, None)]
        with engine.begin() as c:
            for n, (status, session, assignee) in enumerate(rows, 1):
                c.execute(insert, {"status": status, "q": f"q{n}", "session": session, "assignee": assignee})
        db = Database(engine)  # migrates to the newest revision, as every start does
        with engine.connect() as c:
            statuses = dict(c.execute(text("SELECT id, status FROM tickets")).all())
            merged = c.execute(text("SELECT ticket_id, actor, action, from_status, to_status, text "
                                    "FROM ticket_events ORDER BY ticket_id")).all()
        assert statuses == {1: "open", 2: "resolved", 3: "resolved", 4: "resolved", 5: "open", 6: "resolved",
                            7: "open", 8: "open", 9: "open"}
        assert [(m[0], m[1], m[2], m[3], m[4]) for m in merged] == [
            (2, "migration", "merge", "claimed", "resolved"), (3, "migration", "merge", "open", "resolved"),
            (6, "migration", "merge", "open", "resolved")]
        assert merged[0][5] == "duplicate of ticket #1 in the same session"
        store = DeskStore(db)
        assert store.tickets.create_ticket(_new("dup-b"))[0].id == 5
    finally:
        engine.dispose()
