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
from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import TicketConflict, TicketNotFound
from ..clock import Clock, system_clock
from ..db import Database
from ..tables import EventRow, TicketRow, as_utc
from .models import ACTIVE, RESPONSES, Change, NewTicket, Status, Ticket, TicketEvent


class TicketStore(Protocol):
    clock: Clock

    def create_ticket(self, new: NewTicket) -> tuple[Ticket, str | None]:
        """Store a new open ticket; return it with its secret token (the only time the token is seen). If its
        session has an active ticket already (a concurrent hand-off won), return that one, without a token."""
        ...

    def get_ticket(self, ticket_id: int) -> Ticket: ...

    def read_ticket(self, ticket_id: int, token: str) -> Ticket:
        """The ticket if the token is its own; TicketNotFound otherwise (a wrong token reveals nothing)."""
        ...

    def list_tickets(self, statuses: Collection[Status], team: str | None = None, limit: int = 200,
                     assignee: str | None = None) -> list[Ticket]:
        """Most urgent first (priority), then oldest first."""
        ...

    def earlier_tickets(self, ticket: Ticket, limit: int = 20) -> list[Ticket]:
        """The other tickets of the same session or contact, newest first."""
        ...

    def active_ticket(self, session_id: str) -> Ticket | None: ...

    def apply(self, ticket_id: int, change: Change) -> Ticket: ...

    def events(self, ticket_id: int) -> list[TicketEvent]: ...

    def last_event(self, ticket_id: int | None = None) -> int:
        """The id of the newest audit event (of one ticket, or of all): it changes with every step."""
        ...

    def counts(self) -> dict[str, int]:
        """Tickets by status."""
        ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id, status=row.status, team=row.team, question=row.question,  # type: ignore[arg-type]
        session_id=row.session_id, channel=row.channel, source=row.source, reason=row.reason,
        confidence=row.confidence, suggestions=tuple(row.suggestions or ()), contact=row.contact,
        description=row.description, assignee=row.assignee, reply=row.reply, created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at), resolved_at=as_utc(row.resolved_at) if row.resolved_at else None,
        priority=row.priority or 0, emotion=row.emotion, entry_id=row.entry_id, failed_step=row.failed_step,
        first_response_at=as_utc(row.first_response_at) if row.first_response_at else None,
        attention=bool(row.attention), rating=row.rating, rating_comment=row.rating_comment,
    )


def _event(row: EventRow) -> TicketEvent:
    return TicketEvent(id=row.id, ticket_id=row.ticket_id, at=as_utc(row.at), actor=row.actor, action=row.action,
                       from_status=row.from_status, to_status=row.to_status, team=row.team, text=row.text)


class SqlTicketStore:
    """TicketStore on the help desk's database."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self.db = db
        self.clock = clock

    # ---- tickets ----------------------------------------------------------------------------------------

    def create_ticket(self, new: NewTicket) -> tuple[Ticket, str | None]:
        for _ in range(3):  # the active ticket it collided with may be resolved before it is read back
            try:
                return self._insert(new)
            except IntegrityError:
                existing = self.active_ticket(new.session_id) if new.session_id else None
                if existing is not None:
                    return existing, None
                if new.session_id is None:
                    raise
        raise TicketConflict(f"session {new.session_id}'s tickets keep changing; try again")

    def _insert(self, new: NewTicket) -> tuple[Ticket, str]:
        """One INSERT; IntegrityError when the session has an active ticket (the partial unique index)."""
        token = secrets.token_urlsafe(24)
        now = self.clock()
        row = TicketRow(
            status="open", team=new.team, question=new.question, session_id=new.session_id, channel=new.channel,
            source=new.source, reason=new.reason, confidence=new.confidence, suggestions=list(new.suggestions),
            contact=new.contact, description=new.description, token_hash=hash_token(token), created_at=now,
            updated_at=now, priority=new.priority, emotion=new.emotion, entry_id=new.entry_id,
            failed_step=new.failed_step,
        )
        with self.db.session(write=True) as session:
            session.add(row)
            session.flush()
            session.add(EventRow(ticket_id=row.id, at=now, actor=new.source, action="create", from_status=None,
                                 to_status="open", team=new.team, text=None))
        return _ticket(row), token

    def get_ticket(self, ticket_id: int) -> Ticket:
        with self.db.session() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise TicketNotFound(f"there is no ticket {ticket_id}")
            return _ticket(row)

    def read_ticket(self, ticket_id: int, token: str) -> Ticket:
        with self.db.session() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)):
                raise TicketNotFound(f"there is no ticket {ticket_id} with this token")
            return _ticket(row)

    def list_tickets(self, statuses: Collection[Status], team: str | None = None, limit: int = 200,
                     assignee: str | None = None) -> list[Ticket]:
        query = select(TicketRow).where(TicketRow.status.in_(list(statuses)))
        if team:
            query = query.where(TicketRow.team == team)
        if assignee:
            query = query.where(TicketRow.assignee == assignee)
        query = query.order_by(TicketRow.priority.desc(), TicketRow.created_at, TicketRow.id).limit(limit)
        with self.db.session() as session:
            return [_ticket(row) for row in session.scalars(query)]

    def earlier_tickets(self, ticket: Ticket, limit: int = 20) -> list[Ticket]:
        same = [TicketRow.session_id == ticket.session_id] if ticket.session_id else []
        same += [TicketRow.contact == ticket.contact] if ticket.contact else []
        if not same:
            return []
        query = (select(TicketRow).where(or_(*same), TicketRow.id != ticket.id)
                 .order_by(TicketRow.id.desc()).limit(limit))
        with self.db.session() as session:
            return [_ticket(row) for row in session.scalars(query)]

    def active_ticket(self, session_id: str) -> Ticket | None:
        query = (select(TicketRow).where(TicketRow.session_id == session_id, TicketRow.status.in_(list(ACTIVE)))
                 .order_by(TicketRow.id.desc()).limit(1))
        with self.db.session() as session:
            row = session.scalars(query).first()
            return _ticket(row) if row else None

    def apply(self, ticket_id: int, change: Change) -> Ticket:
        guard = [TicketRow.id == ticket_id, TicketRow.status.in_(list(change.allowed))]
        if change.owner_only:
            guard.append(or_(TicketRow.status.not_in(["claimed", "pending"]), TicketRow.assignee == change.actor))
        if change.action == "rate":
            guard.append(TicketRow.rating.is_(None))
        try:
            with self.db.session(write=True) as session:
                locked = select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()
                row = session.scalars(locked).first()
                if row is None:
                    raise TicketNotFound(f"there is no ticket {ticket_id}")
                before, now = row.status, self.clock()
                values = _values(change, row, now)
                result = session.execute(update(TicketRow).where(*guard).values(**values))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise TicketConflict(self._conflict(session, ticket_id, change))
                session.add(EventRow(ticket_id=ticket_id, at=now, actor=change.actor, action=change.action,
                                     from_status=before, to_status=values["status"], team=change.team,
                                     text=change.text))
                row = session.get(TicketRow, ticket_id, populate_existing=True)
                assert row is not None
                return _ticket(row)
        except IntegrityError as exc:  # reopened while the session has another active ticket
            raise TicketConflict(f"ticket {ticket_id} cannot {change.action}: its session has an active "
                                 "ticket") from exc


    @staticmethod
    def _conflict(session: Session, ticket_id: int, change: Change) -> str:
        row = session.get(TicketRow, ticket_id, populate_existing=True)
        assert row is not None
        if change.action == "rate" and row.rating is not None:
            return f"ticket {ticket_id} is rated already"
        if row.status in ("claimed", "pending") and row.status in change.allowed:
            return f"ticket {ticket_id} is {row.status} by {row.assignee}, not by {change.actor}"
        held = f" by {row.assignee}" if row.status in ("claimed", "pending") else ""
        return f"ticket {ticket_id} is {row.status}{held}; cannot {change.action} it"

    def events(self, ticket_id: int) -> list[TicketEvent]:
        query = select(EventRow).where(EventRow.ticket_id == ticket_id).order_by(EventRow.id)
        with self.db.session() as session:
            return [_event(row) for row in session.scalars(query)]

    def last_event(self, ticket_id: int | None = None) -> int:
        query = select(func.max(EventRow.id))
        if ticket_id is not None:
            query = query.where(EventRow.ticket_id == ticket_id)
        with self.db.session() as session:
            return int(session.execute(query).scalar() or 0)

    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            rows = session.execute(select(TicketRow.status, func.count()).group_by(TicketRow.status)).all()
        return {str(s): int(n) for s, n in rows}


def _values(change: Change, row: TicketRow, now: dt.datetime) -> dict[str, Any]:
    """The columns one step writes, given the row as it stands (locked)."""
    status = change.status or row.status
    if change.resume and row.status == "pending":
        status = "claimed" if row.assignee else "open"
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if change.assign:
        values["assignee"] = change.actor
    if change.unassign:
        values["assignee"] = None
    if change.team is not None:
        values["team"] = change.team
    if change.action in RESPONSES:
        values["reply"] = change.text
        if row.first_response_at is None:
            values["first_response_at"] = now
    if change.attention is not None:
        values["attention"] = change.attention
    if change.rating is not None:
        values["rating"], values["rating_comment"] = change.rating, change.text
    if status == "resolved" and row.status != "resolved":
        values["resolved_at"] = now
    if status in ACTIVE and row.status not in ACTIVE:  # reopened
        values["resolved_at"] = None
    return values
