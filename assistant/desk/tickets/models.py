"""Tickets as the rest of the package sees them: frozen records, the statuses and one lifecycle step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["open", "claimed", "resolved"]
Action = Literal["create", "claim", "reply", "transfer", "release"]
STATUSES: tuple[Status, ...] = ("open", "claimed", "resolved")
ACTIVE: frozenset[Status] = frozenset({"open", "claimed"})


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
    (and, with ``owner_only``, a claimed ticket is claimed by ``actor``)."""

    action: Action
    actor: str
    allowed: frozenset[Status]
    status: Status
    owner_only: bool = True
    assign: bool = False
    unassign: bool = False
    team: str | None = None
    text: str | None = None
