"""Request and response bodies. Strict types: a number is not a question and "yes" is not a boolean.

Free text is described by patterns the OpenAPI document publishes and the same patterns validate (Python's
``re``, as the fuzzer's generator reads them): no control characters; a "non-blank" text has a visible
character; a question has a readable one (not only blanks and emoji, ``text.readable``). So the document allows
exactly what the service accepts (``make fuzz`` holds it to that).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

from ..text import BLANK_CHARS, CONTROL_CHARS, MUTE_EMOJI_CHARS
from .openapi import SETTING

TEXT = f"^[^{CONTROL_CHARS}]*$"
NONBLANK = f"^[{BLANK_CHARS}]*[^{CONTROL_CHARS}{BLANK_CHARS}][^{CONTROL_CHARS}]*$"
QUESTION = f"^[{BLANK_CHARS}{MUTE_EMOJI_CHARS}]*[^{CONTROL_CHARS}{BLANK_CHARS}{MUTE_EMOJI_CHARS}][^{CONTROL_CHARS}]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: str) -> str:
    """A lone surrogate (JSON can carry one as an escape) cannot be encoded as UTF-8 to be stored."""
    if _SURROGATE.search(value):
        raise ValueError("the text contains invalid Unicode (a lone surrogate)")
    return value


def _limits(pattern: str, max_length: int, min_length: int | None = None) -> StringConstraints:
    return StringConstraints(pattern=pattern, max_length=max_length, min_length=min_length)


# the question's length limit is FAQ_MAX_QUESTION_CHARS, checked by the engine and written into the document
Question = Annotated[StrictStr, StringConstraints(pattern=QUESTION), AfterValidator(_encodable),
                     Field(json_schema_extra={SETTING: "max_question_chars"})]
Question2000 = Annotated[StrictStr, _limits(NONBLANK, 2000), AfterValidator(_encodable)]
Contact = Annotated[StrictStr, _limits(NONBLANK, 200), AfterValidator(_encodable)]
Note1000 = Annotated[StrictStr, _limits(TEXT, 1000), AfterValidator(_encodable)]
Note2000 = Annotated[StrictStr, _limits(NONBLANK, 2000), AfterValidator(_encodable)]
EntryId = Annotated[StrictStr, _limits(TEXT, 120, 1), AfterValidator(_encodable)]
ReplyText = Annotated[StrictStr, _limits(NONBLANK, 4000), AfterValidator(_encodable)]
TeamName = Annotated[StrictStr, Field(json_schema_extra={SETTING: "teams"})]  # checked against FAQ_TEAMS
SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Channel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, regex_engine="python-re")


# ---- end users --------------------------------------------------------------------------------------------


class AskRequest(Model):
    question: Question = Field(description="the user's question")
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


class FeedbackViewOut(Model):
    feedback: bool
    probability: float
    category: str = Field(description="feature_request, bug, complaint, praise or other")
    area: str = Field(description="the product area: live, video, search, account, payments, ...")
    sentiment: str = Field(description="negative, neutral or positive")


class AskResponse(Model):
    question: str
    decision: Literal["answer", "clarify", "handoff", "smalltalk", "feedback"]
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
    focus: str | None = Field(None, description="a follow-up that the entry just shown answers again: the part of "
                              "its answer (one unit per line) that answers it; the whole answer stays in `answer`")
    session_id: str
    ticket_id: int | None = Field(None, description="set when the question was handed to a person")
    ticket_token: str | None = Field(None, description="secret for GET /v1/tickets/{id}; given once")
    feedback: FeedbackViewOut | None = Field(None, description="the message is feedback: what kind (recorded)")
    feedback_id: int | None = Field(None, description="set when the message was recorded as feedback")
    feedback_token: str | None = Field(None, description="secret for GET /v1/feedback/items/{id}; given once")


class TicketCreate(Model):
    """Says what the user needs: a question, a description, or a session in which something was asked."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("question", "description", "session_id")]})

    session_id: SessionId | None = None
    question: Question2000 | None = Field(
        None, description="defaults to the last question of the session")
    contact: Contact | None = None
    description: Note2000 | None = None
    channel: Channel = "web"
    entry_id: EntryId | None = Field(None, description="the answer the user was following step by step")
    failed_step: int | None = Field(None, ge=1, le=100, description="the step (1-based) that could not be done")

    @model_validator(mode="after")
    def _says_something(self) -> TicketCreate:
        if self.question is None and self.description is None and self.session_id is None:
            raise ValueError("send a question, a description or the session_id of the conversation")
        return self


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


class ChoiceOut(Model):
    id: str
    question: str


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
    choices: list[ChoiceOut] = Field(default_factory=list, description="the questions offered by a clarify turn, or "
                                     "beside the thanks of a feedback turn")


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


class AttachmentOut(Model):
    id: int
    at: dt.datetime
    uploader: str
    content_type: str
    size: int


class SlaOut(Model):
    kind: Literal["first_response", "resolution"] = Field(description="the target running now")
    due: dt.datetime
    left_seconds: float = Field(description="negative: breached")
    breached: bool
    first_response_met: bool | None
    resolution_met: bool | None


class EarlierTicket(Model):
    id: int
    status: str
    team: str
    question: str
    created_at: dt.datetime


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
    first_response_at: dt.datetime | None = None
    attention: bool = Field(False, description="the user wrote since the agent's last reply")
    rating: int | None = None
    rating_comment: str | None = None
    sla: SlaOut | None = None
    earlier: list[EarlierTicket] | None = Field(None, description="the user's other tickets (session or contact)")
    attachments: list[AttachmentOut] | None = Field(None, description="the user's images: GET "
                                                    "/v1/agent/tickets/{id}/attachments/{attachment_id}")
    age_seconds: float
    conversation: list[TurnOut]
    events: list[EventOut] | None = None


class Queue(Model):
    count: int
    tickets: list[TicketAgent]


class AgentMessageCreate(Model):
    text: ReplyText
    keep_open: StrictBool = Field(False, description="keep the ticket claimed instead of resolving it")
    pending: StrictBool = Field(False, description="ask the user for information: pending until they answer")


class TransferRequest(Model):
    team: TeamName
    note: Annotated[StrictStr, _limits(NONBLANK, 1000), AfterValidator(_encodable)] = Field(
        description="for the receiving team (internal)")


# ---- maintainers ------------------------------------------------------------------------------------------


class ReloadResult(Model):
    previous: str | None
    version: str
    changed: bool
    seconds: float
