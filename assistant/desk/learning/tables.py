"""The learning loop's tables: gaps (unanswered questions grouped by meaning), their questions, the maintainers'
actions on them (the audit trail) and how far the miner has read the turn log and the ratings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..tables import Base


class GapRow(Base):
    __tablename__ = "learning_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open, accepted, rejected
    centroid: Mapped[list[float]] = mapped_column(JSON)  # the mean of its questions' unit vectors (base model)
    count: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class GapItemRow(Base):
    """One unanswered question; ``key`` names its source (``turn:<id>``, ``rating:<id>``) so that reading the
    log twice adds nothing."""

    __tablename__ = "learning_gap_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("learning_gaps.id"), index=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # handoff, clarify, picked, not_helpful
    question: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    entry_id: Mapped[str | None] = mapped_column(String(120))  # picked in clarify, or rated 没帮助
    intent: Mapped[str | None] = mapped_column(String(32))


class LearningEventRow(Base):
    """The audit trail of the maintainers' console: never updated or deleted."""

    __tablename__ = "learning_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # accept, reject, build, publish
    gap_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class LearningStateRow(Base):
    """The miner's read positions (the last turn id and rating id read)."""

    __tablename__ = "learning_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
