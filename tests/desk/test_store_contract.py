"""The TicketStore contract: every store (SQLite, PostgreSQL) must pass all of it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from assistant.desk import DeskStore
from assistant.desk.ratings import NewRating
from assistant.desk.tables import Base
from assistant.desk.tickets import ACTIVE, Change, NewTicket
from assistant.desk.turns import NewTurn, TurnChoice
from assistant.errors import TicketConflict, TicketNotFound

CLAIM = dict(action="claim", allowed=frozenset({"open"}), status="claimed", assign=True)


def new(question: str = "提现一直没到账怎么办？", team: str = "payments", session: str | None = "sess-0001",
        **kw: object) -> NewTicket:
    return NewTicket(question=question, team=team, reason="confidence 0.10 below the clarify threshold 0.30",
                     source="bot", session_id=session, confidence=0.1,
                     suggestions=({"id": "payments-withdraw", "question": "创作收益怎么提现？", "score": 0.1},), **kw)


def claim(actor: str) -> Change:
    return Change(actor=actor, **CLAIM)  # type: ignore[arg-type]


def test_create_and_read_back(store: DeskStore) -> None:
    ticket, token = store.tickets.create_ticket(new(contact="138 0000 0000", description="钱没到账 😭"))
    assert ticket.id >= 1 and ticket.status == "open" and ticket.assignee is None
    again = store.tickets.get_ticket(ticket.id)
    assert again == ticket
    assert again.description == "钱没到账 😭" and again.suggestions[0]["question"] == "创作收益怎么提现？"
    assert store.tickets.read_ticket(ticket.id, token) == ticket
    assert again.created_at.tzinfo is not None


def test_token_is_checked_and_only_its_hash_is_stored(store: DeskStore) -> None:
    ticket, token = store.tickets.create_ticket(new())
    with pytest.raises(TicketNotFound):
        store.tickets.read_ticket(ticket.id, token + "x")
    with pytest.raises(TicketNotFound):
        store.tickets.read_ticket(ticket.id + 1, token)
    with store.db.engine.connect() as c:
        stored = c.execute(text("SELECT token_hash FROM tickets")).scalar_one()
    assert token not in stored and len(stored) == 64


def test_unknown_ticket(store: DeskStore) -> None:
    with pytest.raises(TicketNotFound):
        store.tickets.get_ticket(999)
    with pytest.raises(TicketNotFound):
        store.tickets.apply(999, claim("alice"))
    assert store.tickets.events(999) == []


def test_queue_is_oldest_first_and_filters(store: DeskStore) -> None:
    ids = [store.tickets.create_ticket(new(f"问题{n}", team=team, session=None))[0].id
           for n, team in enumerate(["payments", "account", "payments", "live"])]
    assert [t.id for t in store.tickets.list_tickets(ACTIVE)] == ids
    assert [t.id for t in store.tickets.list_tickets(ACTIVE, team="payments")] == [ids[0], ids[2]]
    assert [t.id for t in store.tickets.list_tickets(ACTIVE, limit=2)] == ids[:2]
    store.tickets.apply(ids[1], claim("alice"))
    assert [t.id for t in store.tickets.list_tickets({"open"})] == [ids[0], ids[2], ids[3]]
    assert [t.id for t in store.tickets.list_tickets({"claimed"})] == [ids[1]]
    assert store.tickets.list_tickets({"resolved"}) == []


def test_claim_is_exclusive(store: DeskStore) -> None:
    ticket, _ = store.tickets.create_ticket(new())
    claimed = store.tickets.apply(ticket.id, claim("alice"))
    assert claimed.status == "claimed" and claimed.assignee == "alice"
    with pytest.raises(TicketConflict, match="claimed by alice"):
        store.tickets.apply(ticket.id, claim("bob"))
    assert store.tickets.get_ticket(ticket.id).assignee == "alice"


def test_owner_only_steps(store: DeskStore) -> None:
    ticket, _ = store.tickets.create_ticket(new())
    store.tickets.apply(ticket.id, claim("alice"))
    reply = Change("reply", "bob", frozenset({"claimed"}), "resolved", text="您好")
    with pytest.raises(TicketConflict, match="not by bob"):
        store.tickets.apply(ticket.id, reply)
    supervisor = Change("reply", "root", frozenset({"claimed"}), "resolved", owner_only=False, text="您好")
    done = store.tickets.apply(ticket.id, supervisor)
    assert done.status == "resolved" and done.reply == "您好" and done.resolved_at is not None
    assert done.assignee == "alice"  # a supervisor's reply does not take the ticket over


def test_full_lifecycle_leaves_an_audit_trail(store: DeskStore) -> None:
    ticket, _ = store.tickets.create_ticket(new())
    store.tickets.apply(ticket.id, claim("alice"))
    moved = store.tickets.apply(ticket.id, Change("transfer", "alice", frozenset({"open", "claimed"}), "open",
                                          unassign=True, team="account", text="账号问题"))
    assert (moved.status, moved.team, moved.assignee) == ("open", "account", None)
    store.tickets.apply(ticket.id, claim("bob"))
    store.tickets.apply(ticket.id, Change("release", "bob", frozenset({"claimed"}), "open", unassign=True))
    store.tickets.apply(ticket.id, claim("carol"))
    store.tickets.apply(ticket.id, Change("reply", "carol", frozenset({"claimed"}), "claimed", text="请提供订单号"))
    last = store.tickets.apply(ticket.id, Change("reply", "carol", frozenset({"claimed"}), "resolved", text="已处理"))
    assert last.status == "resolved" and last.reply == "已处理"
    trail = [(e.actor, e.action, e.from_status, e.to_status) for e in store.tickets.events(ticket.id)]
    assert trail == [
        ("bot", "create", None, "open"), ("alice", "claim", "open", "claimed"),
        ("alice", "transfer", "claimed", "open"), ("bob", "claim", "open", "claimed"),
        ("bob", "release", "claimed", "open"), ("carol", "claim", "open", "claimed"),
        ("carol", "reply", "claimed", "claimed"), ("carol", "reply", "claimed", "resolved"),
    ]
    events = store.tickets.events(ticket.id)
    assert events[2].team == "account" and events[2].text == "账号问题"
    assert [e.text for e in events if e.action == "reply"] == ["请提供订单号", "已处理"]
    assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))
    with pytest.raises(TicketConflict, match="resolved"):
        store.tickets.apply(ticket.id, claim("dave"))


def test_active_ticket_per_session(store: DeskStore) -> None:
    assert store.tickets.active_ticket("sess-0001") is None
    ticket, _ = store.tickets.create_ticket(new(session="sess-0001"))
    store.tickets.create_ticket(new(session="sess-0002"))
    found = store.tickets.active_ticket("sess-0001")
    assert found is not None and found.id == ticket.id
    store.tickets.apply(ticket.id, claim("alice"))
    store.tickets.apply(ticket.id, Change("reply", "alice", frozenset({"claimed"}), "resolved", text="好了"))
    assert store.tickets.active_ticket("sess-0001") is None


def test_conversations(store: DeskStore) -> None:
    for session, question, decision in [("s-aaaaaaaa", "忘记密码", "answer"), ("s-bbbbbbbb", "直播", "clarify"),
                                        ("s-aaaaaaaa", "天气", "handoff")]:
        store.turns.record_turn(NewTurn(session_id=session, question=question, decision=decision, confidence=0.5,
                                  answer="……", entry_id=None))
    talks = store.turns.conversations(["s-aaaaaaaa", "s-bbbbbbbb", "s-cccccccc"])
    assert [t.question for t in talks["s-aaaaaaaa"]] == ["忘记密码", "天气"]
    assert [t.decision for t in talks["s-bbbbbbbb"]] == ["clarify"]
    assert talks["s-cccccccc"] == []
    assert store.turns.conversations([]) == {}


def test_a_clarify_turn_keeps_its_choices(store: DeskStore) -> None:
    offered = (TurnChoice("live-open", "怎么开通直播权限"), TurnChoice("live-close", "怎么关闭直播权限"))
    store.turns.record_turn(NewTurn(session_id="s-dddddddd", question="直播", decision="clarify", confidence=0.3,
                                    answer="您是不是想问：", choices=offered))
    queued = store.turns.recent("s-dddddddd", dt.datetime(2000, 1, 1, tzinfo=dt.UTC), 4)
    assert [t.choices for t in queued] == [offered]  # read back before or after the write, the same
    store.turns.record_turn(NewTurn(session_id="s-dddddddd", question="怎么关闭直播权限", decision="answer",
                                    confidence=0.9, answer="……", entry_id="live-close"))
    assert [t.choices for t in store.turns.conversations(["s-dddddddd"])["s-dddddddd"]] == [offered, ()]


def test_feedback_and_stats(store: DeskStore) -> None:
    for decision in ["answer", "answer", "clarify", "handoff"]:
        store.turns.record_turn(NewTurn(session_id="s-aaaaaaaa", question="q", decision=decision, confidence=0.5,
                                  answer="a"))
    for helpful in [True, True, False]:
        store.ratings.record_rating(NewRating(session_id="s-aaaaaaaa", entry_id="account-x", helpful=helpful))
    first, _ = store.tickets.create_ticket(new())
    store.tickets.create_ticket(new(session=None))
    store.tickets.apply(first.id, claim("alice"))
    stats = store.stats()
    assert stats.decisions == {"answer": 2, "clarify": 1, "handoff": 1}
    assert stats.feedback == {"helpful": 2, "not_helpful": 1}
    assert stats.tickets == {"open": 1, "claimed": 1}


def test_twenty_racing_claims_one_winner(store: DeskStore) -> None:
    ticket, _ = store.tickets.create_ticket(new())
    start = threading.Barrier(20)
    won: list[str] = []
    lost: list[str] = []

    def race(agent: str) -> None:
        start.wait()
        try:
            store.tickets.apply(ticket.id, claim(agent))
            won.append(agent)
        except TicketConflict:
            lost.append(agent)

    threads = [threading.Thread(target=race, args=(f"agent{n}",)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 19
    assert store.tickets.get_ticket(ticket.id).assignee == won[0]
    assert [e.actor for e in store.tickets.events(ticket.id) if e.action == "claim"] == won


def test_a_restart_loses_nothing(dsn: str) -> None:
    first = DeskStore.from_dsn(dsn)
    ticket, token = first.tickets.create_ticket(new())
    first.tickets.apply(ticket.id, claim("alice"))
    first.close()
    second = DeskStore.from_dsn(dsn)  # migrating again is a no-op
    try:
        again = second.tickets.read_ticket(ticket.id, token)
        assert again.status == "claimed" and again.assignee == "alice"
        assert len(second.tickets.events(ticket.id)) == 2
    finally:
        second.close()


def test_migrations_match_the_models(store: DeskStore) -> None:
    with store.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
