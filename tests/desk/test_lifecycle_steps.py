"""The lifecycle's steps after the hand-off, on every store (SQLite, PostgreSQL), with a clock the tests move:
pending and the user's answer, notes, reopening within the window, rating once, close and spam."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.desk import DeskStore
from assistant.desk.clock import ManualClock
from assistant.desk.tickets import NewTicket, TicketLifecycle
from assistant.errors import ReopenExpired, TicketConflict

TEAMS = ("account", "payments", "content-review")


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture()
def timed(dsn: str, clock: ManualClock) -> Iterator[DeskStore]:
    s = DeskStore.from_dsn(dsn, clock=clock)
    yield s
    s.close()


@pytest.fixture()
def life(timed: DeskStore, clock: ManualClock) -> TicketLifecycle:
    return TicketLifecycle(timed.tickets, TEAMS, reopen_days=7, clock=clock)


def opened(store: DeskStore, session: str | None = "sess-life-1", contact: str | None = None) -> int:
    ticket, _ = store.tickets.create_ticket(NewTicket(question="充值了但是钻石没到账", team="payments",
                                                      reason="asked", source="user", session_id=session,
                                                      contact=contact))
    return ticket.id


def test_pending_until_the_user_answers(timed: DeskStore, life: TicketLifecycle, clock: ManualClock) -> None:
    tid = opened(timed)
    life.claim(tid, "alice")
    clock.advance(minutes=4)
    asked = life.reply(tid, "alice", "麻烦提供一下订单号", pending=True)
    assert asked.status == "pending" and asked.first_response_at == clock.now and not asked.attention
    with pytest.raises(TicketConflict, match="pending by alice"):
        life.reply(tid, "bob", "我来")
    clock.advance(minutes=10)
    answered = life.message(tid, "订单号 20261129001")
    assert answered.status == "claimed" and answered.assignee == "alice" and answered.attention
    again = life.message(tid, "在吗？")  # a second message keeps it with alice
    assert again.status == "claimed" and again.attention
    clock.advance(minutes=1)
    done = life.reply(tid, "alice", "已补发，请查收")
    assert done.status == "resolved" and not done.attention and done.resolved_at == clock.now
    assert done.first_response_at == asked.first_response_at  # the first response stays the first
    trail = [(e.actor, e.action, e.from_status, e.to_status) for e in timed.tickets.events(tid)]
    assert trail[2:] == [("alice", "ask", "claimed", "pending"), ("user", "message", "pending", "claimed"),
                         ("user", "message", "claimed", "claimed"), ("alice", "resolve", "claimed", "resolved")]
    with pytest.raises(TicketConflict, match="resolved"):
        life.message(tid, "还有一个问题")


def test_notes_transfer_and_release_from_pending(timed: DeskStore, life: TicketLifecycle) -> None:
    tid = opened(timed)
    life.claim(tid, "alice")
    life.reply(tid, "alice", "请提供截图", pending=True)
    noted = life.note(tid, "bob", "用户上周也反馈过")
    assert noted.status == "pending" and noted.assignee == "alice"
    moved = life.transfer(tid, "alice", "account", "需要核实账号")
    assert (moved.status, moved.team, moved.assignee) == ("open", "account", None)
    events = timed.tickets.events(tid)
    assert [(e.action, e.text) for e in events if e.action in ("note", "transfer")] == [
        ("note", "用户上周也反馈过"), ("transfer", "需要核实账号")]
    life.claim(tid, "carol")
    life.reply(tid, "carol", "请稍等", pending=True)
    assert life.release(tid, "carol").status == "open"


def test_reopen_within_the_window_only(timed: DeskStore, life: TicketLifecycle, clock: ManualClock) -> None:
    tid = opened(timed)
    life.claim(tid, "alice")
    life.reply(tid, "alice", "已处理")
    clock.advance(days=6, hours=23)
    back = life.reopen(tid, "还是没到账")
    assert (back.status, back.assignee, back.resolved_at, back.attention) == ("open", None, None, True)
    life.claim(tid, "bob")
    life.reply(tid, "bob", "这次真的好了")
    clock.advance(days=7, minutes=1)
    assert not life.can_reopen(timed.tickets.get_ticket(tid))
    with pytest.raises(ReopenExpired):
        life.reopen(tid)
    assert timed.tickets.get_ticket(tid).status == "resolved"


def test_reopen_refused_while_the_session_has_another_active_ticket(timed: DeskStore,
                                                                   life: TicketLifecycle) -> None:
    first = opened(timed)
    life.claim(first, "alice")
    life.reply(first, "alice", "好了")
    second = opened(timed)
    with pytest.raises(TicketConflict, match="active"):
        life.reopen(first)
    assert timed.tickets.get_ticket(first).status == "resolved"
    assert timed.tickets.active_ticket("sess-life-1").id == second  # type: ignore[union-attr]


def test_rating_once_after_resolution(timed: DeskStore, life: TicketLifecycle) -> None:
    tid = opened(timed)
    with pytest.raises(TicketConflict):
        life.rate(tid, 5)
    life.claim(tid, "alice")
    life.reply(tid, "alice", "已处理")
    rated = life.rate(tid, 4, "挺快的")
    assert (rated.rating, rated.rating_comment, rated.status) == (4, "挺快的", "resolved")
    with pytest.raises(TicketConflict, match="rated already"):
        life.rate(tid, 1)
    closed = life.close(tid, "alice")
    assert closed.status == "closed" and closed.rating == 4
    with pytest.raises(TicketConflict):
        life.reopen(tid)


def test_spam_closes_and_frees_the_session(timed: DeskStore, life: TicketLifecycle) -> None:
    tid = opened(timed, contact="138****0000")
    life.claim(tid, "alice")
    with pytest.raises(TicketConflict, match="not by bob"):
        life.spam(tid, "bob")
    assert life.spam(tid, "alice").status == "closed"
    assert timed.tickets.active_ticket("sess-life-1") is None
    other = opened(timed, session="sess-life-2", contact="138****0000")
    earlier = timed.tickets.earlier_tickets(timed.tickets.get_ticket(other))
    assert [t.id for t in earlier] == [tid]


def test_my_tickets(timed: DeskStore, life: TicketLifecycle) -> None:
    mine, theirs = opened(timed, session="sess-a-0001"), opened(timed, session="sess-b-0001")
    life.claim(mine, "alice")
    life.claim(theirs, "bob")
    life.reply(mine, "alice", "请提供订单号", pending=True)
    held = timed.tickets.list_tickets({"claimed", "pending"}, assignee="alice")
    assert [t.id for t in held] == [mine]
