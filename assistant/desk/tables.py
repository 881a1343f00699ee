"""The help desk's tables (SQLAlchemy 2), one declarative base for the migrations. Rows never leave the stores:
the rest of the package sees only frozen records, so a detached ORM object can never be lazily loaded from the
wrong thread or after its session closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


_ACTIVE = text("status NOT IN ('resolved', 'closed')")


class TicketRow(Base):
    """A session has at most one active ticket: the partial unique index decides between concurrent hand-offs
    (migration 0002)."""

    __tablename__ = "tickets"
    __table_args__ = (Index("uq_tickets_active_session", "session_id", unique=True, sqlite_where=_ACTIVE,
                            postgresql_where=_ACTIVE),)

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
    priority: Mapped[int] = mapped_column(Integer, index=True, server_default="0")  # 2 urgent, 1 high, 0 normal
    emotion: Mapped[str | None] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(120))  # the answer the user was following
    failed_step: Mapped[int | None] = mapped_column(Integer)  # ... and the step they could not do
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # migration 0004
    attention: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)


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
    intent: Mapped[str | None] = mapped_column(String(32))
    emotion: Mapped[str | None] = mapped_column(String(16))
    context: Mapped[str | None] = mapped_column(Text)  # a follow-up: the question as resolved in context
    # a clarify turn: the questions offered ([{"id", "question"}]), shown again after a reload
    choices: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


class RatingRow(Base):
    """A user's 有帮助 / 没帮助 on an answer (the table predates the feedback collector, hence its name)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    entry_id: Mapped[str] = mapped_column(String(120), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
