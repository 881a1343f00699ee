"""The feedback collector's tables, on the help desk's declarative base (migration 0005)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..tables import Base


class FeedbackTopicRow(Base):
    """Items that ask for the same thing; its status is what every item's user sees."""

    __tablename__ = "feedback_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(24), index=True)
    area: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reports: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    status_by: Mapped[str | None] = mapped_column(String(64))
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FeedbackItemRow(Base):
    """One message of feedback: said in the chat (source "chat") or through the 意见反馈 form ("form")."""

    __tablename__ = "feedback_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24))
    area: Mapped[str] = mapped_column(String(24))
    sentiment: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    contact: Mapped[str | None] = mapped_column(String(200))
    screenshot: Mapped[str | None] = mapped_column(Text)  # a data: URL (PNG, JPEG or WebP)
    entry_id: Mapped[str | None] = mapped_column(String(120))  # the KB answer given with it, if any
    topic_id: Mapped[int] = mapped_column(ForeignKey("feedback_topics.id"), index=True)
    vector: Mapped[list[float]] = mapped_column(JSON)  # what grouping compares (grouping.py)
    token_hash: Mapped[str] = mapped_column(String(64))


class FeedbackEventRow(Base):
    """The audit trail of feedback: an item received, a topic's status set (one row for the topic and one per
    item it reached). Never updated or deleted."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_topics.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_items.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
