"""The ticket store: a protocol, and its SQLAlchemy implementation (SQLite by default, PostgreSQL by DSN).

Every lifecycle step is one conditional ``UPDATE ... WHERE id = ? AND status IN (...)`` plus its audit event,
in one transaction: the database decides which of two racing agents wins, on SQLite and PostgreSQL alike.
Ticket tokens are stored as SHA-256 hashes only; the plain token is returned once, at creation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .db import WRITE, SqliteWriteLock, make_engine, upgrade
from .errors import StoreUnavailable, TicketConflict, TicketNotFound
from .models import (
    Change,
    EventRow,
    FeedbackRow,
    NewFeedback,
    NewTicket,
    NewTurn,
    Status,
    StoreStats,
    Ticket,
    TicketEvent,
    TicketRow,
    Turn,
    TurnRow,
    utcnow,
)
from .turns import TurnWriter


class TicketStore(Protocol):
    def create_ticket(self, new: NewTicket) -> tuple[Ticket, str]:
        """Store a new open ticket; return it with its secret token (the only time the token is seen)."""
        ...

    def get_ticket(self, ticket_id: int) -> Ticket: ...

    def read_ticket(self, ticket_id: int, token: str) -> Ticket:
        """The ticket if the token is its own; TicketNotFound otherwise (a wrong token reveals nothing)."""
        ...

    def list_tickets(self, statuses: Collection[Status], team: str | None = None, limit: int = 200) -> list[Ticket]:
        """Oldest first."""
        ...

    def active_ticket(self, session_id: str) -> Ticket | None: ...

    def apply(self, ticket_id: int, change: Change) -> Ticket: ...

    def events(self, ticket_id: int) -> list[TicketEvent]: ...

    def record_turn(self, turn: NewTurn) -> None: ...

    def conversations(self, session_ids: Collection[str]) -> dict[str, list[Turn]]: ...

    def record_feedback(self, feedback: NewFeedback) -> None: ...

    def stats(self) -> StoreStats: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id, status=row.status, team=row.team, question=row.question,  # type: ignore[arg-type]
        session_id=row.session_id, channel=row.channel, source=row.source, reason=row.reason,
        confidence=row.confidence, suggestions=tuple(row.suggestions or ()), contact=row.contact,
        description=row.description, assignee=row.assignee, reply=row.reply, created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at), resolved_at=_utc(row.resolved_at) if row.resolved_at else None,
    )


def _event(row: EventRow) -> TicketEvent:
    return TicketEvent(id=row.id, ticket_id=row.ticket_id, at=_utc(row.at), actor=row.actor, action=row.action,
                       from_status=row.from_status, to_status=row.to_status, team=row.team, text=row.text)


class SqlTicketStore:
    """TicketStore on any SQLAlchemy engine; the schema is brought to the newest migration on construction."""

    def __init__(self, engine: Engine, migrate: bool = True) -> None:
        self.engine = engine
        if migrate:
            upgrade(engine)
        self._write_lock = SqliteWriteLock(engine.url.database) if engine.dialect.name == "sqlite" else None
        self._turns = TurnWriter(self._record_turns)

    @classmethod
    def from_dsn(cls, dsn: str) -> SqlTicketStore:
        return cls(make_engine(dsn))

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        try:
            with self._write_lock if write and self._write_lock else nullcontext(), self.engine.connect() as connection:
                if write:
                    connection = connection.execution_options(**WRITE)
                with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except OperationalError as exc:
            raise StoreUnavailable(f"the ticket database failed: {exc.orig}") from exc

    # ---- tickets ----------------------------------------------------------------------------------------

    def create_ticket(self, new: NewTicket) -> tuple[Ticket, str]:
        token = secrets.token_urlsafe(24)
        now = utcnow()
        row = TicketRow(
            status="open", team=new.team, question=new.question, session_id=new.session_id, channel=new.channel,
            source=new.source, reason=new.reason, confidence=new.confidence, suggestions=list(new.suggestions),
            contact=new.contact, description=new.description, token_hash=hash_token(token), created_at=now,
            updated_at=now,
        )
        with self._session(write=True) as session:
            session.add(row)
            session.flush()
            session.add(EventRow(ticket_id=row.id, at=now, actor=new.source, action="create", from_status=None,
                                 to_status="open", team=new.team, text=None))
        return _ticket(row), token

    def get_ticket(self, ticket_id: int) -> Ticket:
        with self._session() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise TicketNotFound(f"there is no ticket {ticket_id}")
            return _ticket(row)

    def read_ticket(self, ticket_id: int, token: str) -> Ticket:
        with self._session() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)):
                raise TicketNotFound(f"there is no ticket {ticket_id} with this token")
            return _ticket(row)

    def list_tickets(self, statuses: Collection[Status], team: str | None = None, limit: int = 200) -> list[Ticket]:
        query = select(TicketRow).where(TicketRow.status.in_(list(statuses)))
        if team:
            query = query.where(TicketRow.team == team)
        query = query.order_by(TicketRow.created_at, TicketRow.id).limit(limit)
        with self._session() as session:
            return [_ticket(row) for row in session.scalars(query)]

    def active_ticket(self, session_id: str) -> Ticket | None:
        query = (select(TicketRow).where(TicketRow.session_id == session_id, TicketRow.status != "resolved")
                 .order_by(TicketRow.id.desc()).limit(1))
        with self._session() as session:
            row = session.scalars(query).first()
            return _ticket(row) if row else None

    def apply(self, ticket_id: int, change: Change) -> Ticket:
        now = utcnow()
        values: dict[str, Any] = {"status": change.status, "updated_at": now}
        if change.assign:
            values["assignee"] = change.actor
        if change.unassign:
            values["assignee"] = None
        if change.team is not None:
            values["team"] = change.team
        if change.action == "reply":
            values["reply"] = change.text
        if change.status == "resolved":
            values["resolved_at"] = now
        guard = [TicketRow.id == ticket_id, TicketRow.status.in_(list(change.allowed))]
        if change.owner_only:
            guard.append(or_(TicketRow.status != "claimed", TicketRow.assignee == change.actor))
        with self._session(write=True) as session:
            locked = select(TicketRow.status).where(TicketRow.id == ticket_id).with_for_update()
            before = session.execute(locked).scalar()
            if before is None:
                raise TicketNotFound(f"there is no ticket {ticket_id}")
            result = session.execute(update(TicketRow).where(*guard).values(**values))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise TicketConflict(self._conflict(session, ticket_id, change))
            session.add(EventRow(ticket_id=ticket_id, at=now, actor=change.actor, action=change.action,
                                 from_status=before, to_status=change.status, team=change.team, text=change.text))
            row = session.get(TicketRow, ticket_id, populate_existing=True)
            assert row is not None
            return _ticket(row)

    @staticmethod
    def _conflict(session: Session, ticket_id: int, change: Change) -> str:
        row = session.get(TicketRow, ticket_id, populate_existing=True)
        assert row is not None
        if row.status == "claimed" and row.status in change.allowed:
            return f"ticket {ticket_id} is claimed by {row.assignee}, not by {change.actor}"
        held = f" by {row.assignee}" if row.status == "claimed" else ""
        return f"ticket {ticket_id} is {row.status}{held}; cannot {change.action} it"

    def events(self, ticket_id: int) -> list[TicketEvent]:
        query = select(EventRow).where(EventRow.ticket_id == ticket_id).order_by(EventRow.id)
        with self._session() as session:
            return [_event(row) for row in session.scalars(query)]

    # ---- conversations, feedback, stats -----------------------------------------------------------------

    def record_turn(self, turn: NewTurn) -> None:
        """Queued and written in the background with others (see turns.py); readers below flush first."""
        self._turns.add(replace(turn, at=turn.at or utcnow()))

    def _record_turns(self, turns: list[NewTurn]) -> None:
        # one multi-row INSERT, without the ORM's per-object bookkeeping (which cost more than the answer's SQL)
        with self._session(write=True) as session:
            session.execute(insert(TurnRow), [
                {"session_id": t.session_id, "at": t.at, "channel": t.channel, "question": t.question,
                 "decision": t.decision, "confidence": t.confidence, "entry_id": t.entry_id, "answer": t.answer}
                for t in turns])

    def conversations(self, session_ids: Collection[str]) -> dict[str, list[Turn]]:
        out: dict[str, list[Turn]] = {s: [] for s in session_ids}
        if not out:
            return out
        self._turns.flush()
        query = select(TurnRow).where(TurnRow.session_id.in_(list(out))).order_by(TurnRow.id)
        with self._session() as session:
            for row in session.scalars(query):
                out[row.session_id].append(Turn(at=_utc(row.at), question=row.question, decision=row.decision,
                                                confidence=row.confidence, entry_id=row.entry_id, answer=row.answer))
        return out

    def record_feedback(self, feedback: NewFeedback) -> None:
        with self._session(write=True) as session:
            session.add(FeedbackRow(at=utcnow(), session_id=feedback.session_id, entry_id=feedback.entry_id,
                                    helpful=feedback.helpful, comment=feedback.comment))

    def stats(self) -> StoreStats:
        self._turns.flush()
        with self._session() as session:
            decisions = session.execute(select(TurnRow.decision, func.count()).group_by(TurnRow.decision)).all()
            tickets = session.execute(select(TicketRow.status, func.count()).group_by(TicketRow.status)).all()
            feedback = session.execute(select(FeedbackRow.helpful, func.count()).group_by(FeedbackRow.helpful)).all()
        return StoreStats(
            decisions={str(d): int(n) for d, n in decisions},
            tickets={str(s): int(n) for s, n in tickets},
            feedback={("helpful" if h else "not_helpful"): int(n) for h, n in feedback},
        )

    def ping(self) -> None:
        with self._session() as session:
            session.execute(select(1))

    def close(self) -> None:
        self._turns.close()
        self.engine.dispose()
        if self._write_lock is not None:
            self._write_lock.close()
