"""Tickets and what hangs off them: the tables (SQLAlchemy 2) and the frozen records the store hands out.

Rows never leave the store; routes and the lifecycle service see only the frozen dataclasses below, so a
detached ORM object can never be lazily loaded from the wrong thread or after its session closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Status = Literal["open", "claimed", "resolved"]
Action = Literal["create", "claim", "reply", "transfer", "release"]
STATUSES: tuple[Status, ...] = ("open", "claimed", "resolved")
ACTIVE: frozenset[Status] = frozenset({"open", "claimed"})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    team: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    contact: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    """The audit trail: one row per change of a ticket, never updated or deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)


class TurnRow(Base):
    """One question a user asked and what the bot did with it (the conversation an agent sees)."""

    __tablename__ = "conversation_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    entry_id: Mapped[str | None] = mapped_column(String(120))
    answer: Mapped[str] = mapped_column(Text)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    entry_id: Mapped[str] = mapped_column(String(120), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


# ---- records ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTicket:
    question: str
    team: str
    reason: str
    source: Literal["bot", "user"]
    channel: str = "web"
    session_id: str | None = None
    confidence: float | None = None
    suggestions: tuple[dict[str, Any], ...] = ()
    contact: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Ticket:
    id: int
    status: Status
    team: str
    question: str
    session_id: str | None
    channel: str
    source: str
    reason: str
    confidence: float | None
    suggestions: tuple[dict[str, Any], ...]
    contact: str | None
    description: str | None
    assignee: str | None
    reply: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class TicketEvent:
    id: int
    ticket_id: int
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    team: str | None
    text: str | None


@dataclass(frozen=True)
class Change:
    """One lifecycle step, applied atomically: it succeeds only if the ticket's status is in ``allowed``
    (and, with ``owner_only``, a claimed ticket is claimed by ``actor``)."""

    action: Action
    actor: str
    allowed: frozenset[Status]
    status: Status
    owner_only: bool = True
    assign: bool = False
    unassign: bool = False
    team: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class NewTurn:
    session_id: str
    question: str
    decision: str
    confidence: float
    answer: str
    entry_id: str | None = None
    channel: str = "web"
    at: dt.datetime | None = None  # when asked (set on recording; the write itself may come a little later)


@dataclass(frozen=True)
class Turn:
    at: dt.datetime
    question: str
    decision: str
    confidence: float
    entry_id: str | None
    answer: str


@dataclass(frozen=True)
class NewFeedback:
    session_id: str
    entry_id: str
    helpful: bool
    comment: str | None = None


@dataclass(frozen=True)
class StoreStats:
    decisions: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, int] = field(default_factory=dict)
