"""Request and response bodies of the feedback collector and the product board."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .schemas import Channel, Model, Question, SessionId

Status = Literal["received", "reviewing", "planned", "shipped", "declined"]
# a screenshot travels as a data: URL of a PNG, JPEG or WebP image (at most ~2 MB of image)
Screenshot = Annotated[str, StringConstraints(pattern=r"^data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$",
                                              max_length=2_800_000)]


class FeedbackItemCreate(Model):
    text: Question = Field(description="the suggestion, problem or comment")
    session_id: SessionId | None = None
    contact: Annotated[str, StringConstraints(max_length=200)] | None = None
    screenshot: Screenshot | None = None
    channel: Channel = "web"


class FeedbackItemCreated(Model):
    feedback_id: int
    feedback_token: str = Field(description="secret for GET /v1/feedback/items/{id}; given once")
    category: str
    area: str
    status: Status
    message: str = Field(description="text to show the user")


class StatusChange(Model):
    at: dt.datetime
    status: str
    text: str = Field(description="what the user is told (the voice's feedback.status.<status>)")


class FeedbackItemPublic(Model):
    id: int
    text: str
    category: str
    area: str
    status: Status
    status_text: str = Field(description="the status in the user's words (the voice's feedback.status.<status>)")
    topic_title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[StatusChange]


class TopicOut(Model):
    id: int
    title: str
    category: str
    area: str
    status: Status
    reports: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    status_by: str | None
    status_at: dt.datetime | None
    by_day: dict[str, int] = Field(description="reports per day (UTC), the last 14 days")
    recent: int = Field(description="reports in the last 7 days")
    before: int = Field(description="reports in the 7 days before")
    trend: float = Field(description="(recent - before) / max(before, 1)")
    spike: bool = Field(description="a bug with 3 or more reports in 24 hours")
    samples: list[str]


class TopicList(Model):
    topics: list[TopicOut]


class TopicStatusSet(Model):
    status: Status


class TopicStatusResult(Model):
    topic: TopicOut
    items_updated: int
