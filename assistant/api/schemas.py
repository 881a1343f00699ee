"""Request and response bodies. Strict types: a number is not a question and "yes" is not a boolean."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _printable(value: str) -> str:
    """Control characters and lone surrogates are refused: they are never meant, and databases choke on them
    (PostgreSQL rejects NUL in text, UTF-8 cannot encode a lone surrogate)."""
    if _UNPRINTABLE.search(value):
        raise ValueError("the text contains control characters or invalid Unicode")
    return value


Printable = Annotated[StrictStr, AfterValidator(_printable)]
# Free text with limits: the length constraints first, the printable check last (pydantic applies them in order).
Question2000 = Annotated[StrictStr, StringConstraints(max_length=2000), AfterValidator(_printable)]
Contact = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_printable)]
Note1000 = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=1000),
                     AfterValidator(_printable)]
Note2000 = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=2000),
                     AfterValidator(_printable)]
EntryId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=120), AfterValidator(_printable)]
ReplyText = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
                      AfterValidator(_printable)]
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Channel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- end users --------------------------------------------------------------------------------------------


class AskRequest(Model):
    question: Printable = Field(description="the user's question (checked by the engine: not empty, not too long)")
    session_id: SessionId | None = Field(None, description="keeps a conversation together; issued if absent")
    channel: Channel = "web"


class AnswerOut(Model):
    id: str
    question: str
    answer: str
    category: str
    matched_question: str
    team: str | None
    risk: str


class AlternativeOut(Model):
    id: str
    question: str
    score: float


class AskResponse(Model):
    question: str
    decision: Literal["answer", "clarify", "handoff", "smalltalk"]
    confidence: float
    answer: AnswerOut | None
    alternatives: list[AlternativeOut]
    reason: str
    message: str = Field(description="text to show the user")
    team: str
    offer_human: bool
    timing: dict[str, float]
    session: str | None
    intent: str = Field(description="question, safety, legal, human, smalltalk.<kind> or offdomain")
    emotion: str = Field(description="angry, anxious, distressed or neutral")
    empathy: str = Field(description="an acknowledgement to show before the reply (an upset user), or empty")
    related: list[AlternativeOut] = Field(description="相关问题: entries users with this question often need next")
    context: str | None = Field(description="a follow-up: the question as resolved against the conversation")
    session_id: str
    ticket_id: int | None = Field(None, description="set when the question was handed to a person")
    ticket_token: str | None = Field(None, description="secret for GET /v1/tickets/{id}; given once")


class TicketCreate(Model):
    session_id: SessionId | None = None
    question: Question2000 | None = Field(
        None, description="defaults to the last question of the session")
    contact: Contact | None = None
    description: Note2000 | None = None
    channel: Channel = "web"
    entry_id: EntryId | None = Field(None, description="the answer the user was following step by step")
    failed_step: int | None = Field(None, ge=1, le=100, description="the step (1-based) that could not be done")


class TicketCreated(Model):
    ticket_id: int
    ticket_token: str | None = Field(description="null when the session already had an open ticket")
    created: bool
    status: str
    team: str
    message: str


class AgentMessageOut(Model):
    text: str
    at: dt.datetime


class TicketPublic(Model):
    id: int
    status: str
    team: str
    question: str
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    reply: str | None = Field(description="the agent's latest reply")
    replies: list[AgentMessageOut]


class FeedbackCreate(Model):
    session_id: SessionId
    entry_id: EntryId
    helpful: StrictBool
    comment: Note1000 | None = None


class FeedbackResult(Model):
    recorded: bool
    offer_human: bool
    message: str


# ---- agents -----------------------------------------------------------------------------------------------


class Me(Model):
    name: str
    role: str
    teams: list[str]


class SuggestionOut(Model):
    id: str
    question: str
    answer: str
    category: str
    matched_question: str
    team: str | None
    risk: str
    score: float


class Suggestions(Model):
    query: str
    suggestions: list[SuggestionOut]


class TurnOut(Model):
    at: dt.datetime
    question: str
    decision: str
    confidence: float
    entry_id: str | None
    answer: str
    intent: str | None = None
    emotion: str | None = None
    context: str | None = None


class SessionTurns(Model):
    session_id: str
    turns: list[TurnOut]


class VoiceOut(Model):
    channel: str
    max_question_chars: int = Field(description="the longest question /v1/ask accepts")
    say: dict[str, str]
    widget: dict[str, str]
    console: dict[str, str]


class EventOut(Model):
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    team: str | None
    text: str | None


class TicketAgent(Model):
    id: int
    status: str
    team: str
    question: str
    session_id: str | None
    channel: str
    source: str
    reason: str
    confidence: float | None
    suggestions: list[dict[str, Any]]
    contact: str | None
    description: str | None
    assignee: str | None
    reply: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    priority: int = Field(description="2 urgent (safety, legal), 1 high (an upset user, a sensitive entry), 0")
    emotion: str | None
    entry_id: str | None
    failed_step: int | None
    age_seconds: float
    conversation: list[TurnOut]
    events: list[EventOut] | None = None


class Queue(Model):
    count: int
    tickets: list[TicketAgent]


class AgentMessageCreate(Model):
    text: ReplyText
    keep_open: StrictBool = Field(False, description="keep the ticket claimed instead of resolving it")


class TransferRequest(Model):
    team: Printable
    note: Note1000 | None = None


# ---- maintainers ------------------------------------------------------------------------------------------


class ReloadResult(Model):
    previous: str | None
    version: str
    changed: bool
    seconds: float


class Stats(Model):
    index_version: str | None
    questions: int
    decisions: dict[str, int]
    rates: dict[str, float]
    tickets: dict[str, int]
    open_tickets: int
    feedback: dict[str, int]
    helpful_rate: float | None
