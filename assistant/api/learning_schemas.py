"""API schemas of the maintainers' console (the learning loop and the insights)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class GapItemOut(BaseModel):
    question: str
    kind: str
    at: dt.datetime
    entry_id: str | None


class EvidenceOut(BaseModel):
    kind: str = Field(description="picked, inserted, near_tie, reply, not_helpful or offdomain")
    question: str
    entry_id: str | None
    text: str | None


class SuggestionOut(BaseModel):
    action: str = Field(description="add_similar, new_entry, out_of_scope or review")
    entry_id: str | None
    entry_question: str | None
    questions: list[str]
    labelled: list[str] = Field(description="of the questions, those kept as labelled users' questions "
                                "(tune/learned.jsonl) for calibration instead of similar questions")
    answer: str | None
    team: str | None
    strong: bool = Field(description="backed by users' picks or agents' answers, not only near-ties")
    evidence: list[EvidenceOut]


class GapOut(BaseModel):
    id: int
    status: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    kinds: dict[str, int]
    items: list[GapItemOut]
    suggestion: SuggestionOut
    diff: str | None = Field(description="the change of the KB's YAML the suggestion would make")
    problem: str | None = Field(description="why the suggested change cannot be made as it is")


class GapList(BaseModel):
    gaps: list[GapOut]


class AcceptRequest(BaseModel):
    """Empty: accept the suggestion as it is. With fields: the maintainer's edit of it."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["add_similar", "new_entry", "out_of_scope"] | None = None
    entry_id: str | None = Field(None, max_length=120, pattern=r"^[\w.\-]+$")
    questions: list[str] | None = Field(None, max_length=50)
    answer: str | None = Field(None, max_length=5000)
    team: str | None = Field(None, max_length=64)
    category: str | None = Field(None, max_length=100)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=500)


class Decided(BaseModel):
    gap_id: int
    status: str
    diff: str | None = None


class ChangeOut(BaseModel):
    question: str
    before: dict[str, Any]
    after: dict[str, Any]


class BuildOut(BaseModel):
    state: str = Field(description="idle, building, ready (waiting to be published), published or failed")
    actor: str | None
    started: dt.datetime | None
    finished: dt.datetime | None
    version: str | None
    error: str | None
    seconds: float | None
    asked: int
    changes: list[ChangeOut]


class OverlapOut(BaseModel):
    entry_id: str
    other_id: str
    share: float
    questions: list[str]
    action: str = Field(description="merge or telling_word")
    words: list[str]


class OverlapList(BaseModel):
    overlaps: list[OverlapOut]


class EventOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    gap_id: int | None
    detail: dict[str, Any]


class EventList(BaseModel):
    events: list[EventOut]


class Insights(BaseModel):
    days: int
    per_day: list[dict[str, Any]] = Field(description="questions per day by decision")
    deflection: dict[str, Any] = Field(description="share of sessions without a ticket, per day, and its trend")
    top_questions: list[dict[str, Any]]
    top_gaps: list[dict[str, Any]]
    helpfulness: list[dict[str, Any]] = Field(description="有帮助 / 没帮助 per entry, least helpful first")
    handoffs_per_team: dict[str, int]
    csat: dict[str, Any] | None = Field(description="null when tickets carry no satisfaction score")




class ChoiceOut(BaseModel):
    id: str
    question: str


class SampledOut(BaseModel):
    turn_id: int
    at: dt.datetime
    question: str = Field(description="as the bot understood it (a follow-up resolved in its conversation)")
    decision: str
    confidence: float
    entry_id: str | None = Field(description="the entry the bot answered with (null: it did not answer)")
    choices: list[ChoiceOut] = Field(description="the bot's answer and the entries it offered")


class ReviewSampleOut(BaseModel):
    turns: list[SampledOut]
    reviewed: int = Field(description="questions labelled so far")
    answered: int = Field(description="of them, questions the bot had answered")
    answered_right: int = Field(description="... with the entry the reviewer chose")


class ReviewRequest(BaseModel):
    """The entry that answers the question, or null when no entry of the KB does."""

    model_config = ConfigDict(extra="forbid")
    expected: str | None = Field(max_length=120, pattern=r"^[\w.\-]+$")


class ReviewedOut(BaseModel):
    turn_id: int
    question: str
    expected: str | None
    bot_entry: str | None
    decision: str
