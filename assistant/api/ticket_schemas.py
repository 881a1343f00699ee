"""Bodies of the ticket lifecycle's endpoints: what the user sees of a ticket (status in words, history, the
conversation with the agent), messages, ratings, notes, canned replies, SLA and the figures per team."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StrictInt

from .schemas import AgentMessageOut, AttachmentOut, Model, Note1000, Note2000, TicketPublic


class StepOut(Model):
    at: dt.datetime
    status: str
    text: str = Field(description="what the step means, in the user's words (已提交, 客服处理中, ...)")


class MessageOut(Model):
    author: str = Field(description="`user` or `agent`")
    text: str
    at: dt.datetime


class TicketStatusOut(TicketPublic):
    status_text: str = Field(description="where the ticket stands, in plain Chinese (from the voice)")
    history: list[StepOut]
    messages: list[MessageOut] = Field(description="the user's and the agents' messages, oldest first")
    position: int | None = Field(description="place in the team's queue while open")
    expected_wait_minutes: int | None = Field(description="from the team's recent first-response times")
    out_of_hours: str | None = Field(description="outside the team's service hours: when it will answer")
    rating: int | None
    can_write: bool = Field(description="messages go to the ticket (open, claimed or pending)")
    can_reopen: bool = Field(description="resolved within FAQ_REOPEN_DAYS")
    can_rate: bool
    attachments: list[AttachmentOut] = Field(description="images; GET .../attachments/{id} with the token")


class TicketMessageCreate(Model):
    text: Note2000


class RatingCreate(Model):
    score: Annotated[StrictInt, Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy)")]
    comment: Note1000 | None = None


class ReopenRequest(Model):
    text: Note2000 | None = Field(None, description="why the problem is not solved")


class NoteCreate(Model):
    text: Note2000


class CannedOut(Model):
    id: str
    title: str
    text: str = Field(description="with {{ticket_id}}, {{team}} and {{agent}} filled in when a ticket is given")
    teams: list[str]
    tags: list[str]


class CannedList(Model):
    query: str
    replies: list[CannedOut]


__all__ = ["AgentMessageOut", "AttachmentOut", "CannedList", "CannedOut", "MessageOut", "NoteCreate", "RatingCreate",
           "ReopenRequest", "StepOut", "TicketMessageCreate", "TicketStatusOut"]


class TeamStats(Model):
    tickets: int
    first_response_p50_s: float | None
    first_response_p90_s: float | None
    resolution_p50_s: float | None
    resolution_p90_s: float | None
    sla_met: float | None = Field(description="share of first-response and resolution targets met")
    csat: float | None = Field(description="share of ratings of 4 or 5")
    rating_average: float | None
    ratings: int


class Stats(Model):
    index_version: str | None
    questions: int
    decisions: dict[str, int]
    rates: dict[str, float]
    tickets: dict[str, int]
    open_tickets: int
    feedback: dict[str, int]
    helpful_rate: float | None
    teams: dict[str, TeamStats] = Field(default_factory=dict, description="per team, tickets of the last 90 days")
    sla_met: float | None = None
    csat: float | None = None
