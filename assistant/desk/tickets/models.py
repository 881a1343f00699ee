"""Tickets as the rest of the package sees them: frozen records, the statuses and one lifecycle step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["open", "claimed", "pending", "resolved", "closed"]
Action = Literal["create", "claim", "reply", "ask", "resolve", "transfer", "release", "message", "note", "reopen",
                 "rate", "close", "spam", "attach"]
STATUSES: tuple[Status, ...] = ("open", "claimed", "pending", "resolved", "closed")
RESPONSES: frozenset[str] = frozenset({"reply", "ask", "resolve"})  # an agent's answer shown to the user
ACTIVE: frozenset[Status] = frozenset({"open", "claimed", "pending"})  # a session has at most one of these


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
    priority: int = 0  # 2 urgent (safety, legal), 1 high (an upset user, a sensitive entry), 0 normal
    emotion: str | None = None
    entry_id: str | None = None  # the answer the user was following
    failed_step: int | None = None  # ... and the step they could not do (1-based)


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
    priority: int = 0
    emotion: str | None = None
    entry_id: str | None = None
    failed_step: int | None = None
    first_response_at: dt.datetime | None = None  # the first reply an agent sent (SLA, stats)
    attention: bool = False  # the user wrote since the agent's last step
    rating: int | None = None  # 1-5, given by the user after it was resolved
    rating_comment: str | None = None


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
    (and, with ``owner_only``, a claimed or pending ticket is held by ``actor``). ``status`` None keeps the
    status; ``resume`` turns a pending ticket back to claimed (the user answered)."""

    action: Action
    actor: str
    allowed: frozenset[Status]
    status: Status | None
    owner_only: bool = True
    assign: bool = False
    unassign: bool = False
    team: str | None = None
    text: str | None = None
    resume: bool = False
    attention: bool | None = None  # set or clear the flag that asks for the agent's attention
    rating: int | None = None  # with action "rate": only a ticket not rated yet
