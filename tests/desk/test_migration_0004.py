"""Migration 0004 (the ticket lifecycle) upgrades a database made at 0003 with tickets in it, on SQLite and
PostgreSQL: nothing is lost, answered tickets get their first response from the audit trail, and the new steps
work on the old tickets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from assistant.desk import DeskStore
from assistant.desk.db import Database, make_engine, upgrade
from assistant.desk.tickets import NewTicket, TicketLifecycle

TICKET = text("INSERT INTO tickets (status, team, question, session_id, channel, source, reason, suggestions, "
              "token_hash, assignee, reply, created_at, updated_at, resolved_at, priority) VALUES (:status, "
              "'payments', :q, :session, 'web', 'bot', 'r', '[]', 'x', :assignee, :reply, :created, :created, "
              ":resolved, :priority)")
EVENT = text("INSERT INTO ticket_events (ticket_id, at, actor, action, from_status, to_status, team, text) "
             "VALUES (:tid, :at, :actor, :action, :before, :after, NULL, :text)")


def _old_database(engine: Engine) -> None:
    upgrade(engine, "0003")
    day = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    rows = [("open", "old-a", None, None, None, 0), ("claimed", "old-b", "alice", "请稍等", None, 1),
            ("resolved", "old-c", "bob", "已处理", day + dt.timedelta(hours=3), 2)]
    with engine.begin() as c:
        for n, (status, session, assignee, reply, resolved, priority) in enumerate(rows, 1):
            c.execute(TICKET, {"status": status, "q": f"提现问题{n}", "session": session, "assignee": assignee,
                               "reply": reply, "created": day, "resolved": resolved, "priority": priority})
            c.execute(EVENT, {"tid": n, "at": day, "actor": "bot", "action": "create", "before": None,
                              "after": "open", "text": None})
        for tid, actor, minutes, after in [(2, "alice", 20, "claimed"), (3, "bob", 5, "claimed"),
                                           (3, "bob", 90, "resolved")]:
            c.execute(EVENT, {"tid": tid, "at": day + dt.timedelta(minutes=minutes), "actor": actor,
                              "action": "reply", "before": "claimed", "after": after, "text": "回复"})


def test_upgrade_from_0003_keeps_the_tickets(dsn: str) -> None:
    engine = make_engine(dsn)
    try:
        _old_database(engine)
        store = DeskStore(Database(engine))  # migrates to the newest revision, as every start does
        tickets = [store.tickets.get_ticket(n) for n in (1, 2, 3)]
        assert [(t.status, t.assignee, t.priority) for t in tickets] == [
            ("open", None, 0), ("claimed", "alice", 1), ("resolved", "bob", 2)]
        day = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
        assert [t.first_response_at for t in tickets] == [None, day + dt.timedelta(minutes=20),
                                                          day + dt.timedelta(minutes=5)]
        assert not any(t.attention for t in tickets) and all(t.rating is None for t in tickets)
        life = TicketLifecycle(store.tickets, ["payments", "account"], reopen_days=10_000)
        assert life.reply(2, "alice", "请提供订单号", pending=True).status == "pending"
        assert life.message(2, "20261101").status == "claimed"
        assert life.rate(3, 5).rating == 5
        assert life.spam(1, "carol").status == "closed"
        again = NewTicket(question="又来了", team="payments", reason="r", source="user", session_id="old-a")
        assert store.tickets.create_ticket(again)[1] is not None  # a closed ticket leaves its session free
        assert [e.action for e in store.tickets.events(2)][-2:] == ["ask", "message"]
    finally:
        engine.dispose()
