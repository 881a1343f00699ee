"""What the feedback store hands out: frozen records, never ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

FeedbackStatus = Literal["received", "reviewing", "planned", "shipped", "declined"]
STATUSES: tuple[FeedbackStatus, ...] = ("received", "reviewing", "planned", "shipped", "declined")


@dataclass(frozen=True)
class NewFeedback:
    text: str
    category: str
    area: str
    sentiment: str
    vector: tuple[float, ...]
    source: str = "chat"  # "chat" (the message was feedback) or "form" (the widget's 意见反馈 entry)
    channel: str = "web"
    session_id: str | None = None
    contact: str | None = None
    screenshot: str | None = None
    entry_id: str | None = None


@dataclass(frozen=True)
class FeedbackItem:
    id: int
    text: str
    category: str
    area: str
    sentiment: str
    status: FeedbackStatus
    source: str
    channel: str
    session_id: str | None
    contact: str | None
    has_screenshot: bool
    entry_id: str | None
    topic_id: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class FeedbackEvent:
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str


@dataclass(frozen=True)
class Topic:
    id: int
    title: str
    category: str
    area: str
    status: FeedbackStatus
    reports: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    status_by: str | None
    status_at: dt.datetime | None


@dataclass(frozen=True)
class TopicFilter:
    category: str | None = None
    area: str | None = None
    status: FeedbackStatus | None = None
