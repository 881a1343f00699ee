"""A ticket as its user follows it, authorised by the ticket's token (X-Ticket-Token): its status in words with
the history, messages to the agent, a rating and reopening after 已解决."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from ...desk.progress import Progress
from ...desk.tickets import Ticket
from ...errors import (
    InvalidRating,
    ReopenExpired,
    TicketConflict,
    TicketNotFound,
    TicketTokenRequired,
)
from ..deps import AssistantDep, DeskDep, MetricsDep, ProgressDep, StoreDep, TicketId, rate_limit
from ..openapi import BODY, PARAMS, PUBLIC, STORE, problems
from ..schemas import AgentMessageOut
from ..ticket_schemas import (
    AttachmentOut,
    MessageOut,
    RatingCreate,
    ReopenRequest,
    StepOut,
    TicketMessageCreate,
    TicketStatusOut,
)

router = APIRouter(prefix="/v1", tags=["users"], dependencies=[Depends(rate_limit)])
TokenHeader = Annotated[str | None, Header(description="the token given when the ticket was opened")]
READ = problems(PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound])
STEP = problems(BODY, PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound, TicketConflict])


def token_ticket(ticket_id: TicketId, store: StoreDep, x_ticket_token: TokenHeader = None) -> Ticket:
    """The ticket whose token was sent; 401 without one, 404 for a wrong one (which reveals nothing)."""
    if not x_ticket_token:
        raise TicketTokenRequired("send the ticket's token in the X-Ticket-Token header")
    return store.tickets.read_ticket(ticket_id, x_ticket_token)


TicketDep = Annotated[Ticket, Depends(token_ticket)]


def status_out(progress: Progress) -> TicketStatusOut:
    t = progress.ticket
    replies = [AgentMessageOut(text=m.text, at=m.at) for m in progress.messages if m.author == "agent"]
    return TicketStatusOut(
        id=t.id, status=t.status, team=t.team, question=t.question, created_at=t.created_at,
        updated_at=t.updated_at, resolved_at=t.resolved_at, reply=t.reply, replies=replies,
        status_text=progress.status_text, history=[StepOut(at=s.at, status=s.status, text=s.text)
                                                   for s in progress.history],
        messages=[MessageOut(author=m.author, text=m.text, at=m.at) for m in progress.messages],
        position=progress.position, expected_wait_minutes=progress.expected_wait_minutes,
        out_of_hours=progress.out_of_hours, rating=t.rating, can_write=progress.can_write,
        can_reopen=progress.can_reopen, can_rate=progress.can_rate,
        attachments=[AttachmentOut.model_validate(asdict(a)) for a in progress.attachments])


@router.get("/tickets/{ticket_id}", response_model=TicketStatusOut, summary="Follow a ticket", responses=READ)
def read_ticket(ticket: TicketDep, reader: ProgressDep, assistant: AssistantDep) -> TicketStatusOut:
    """Where the ticket stands (`status_text`, in the user's words), its history, the place in the queue and the
    expected wait, service hours, and the conversation with the agent. Internal notes never appear."""
    return status_out(reader.read(ticket, assistant.data.voice))


@router.post("/tickets/{ticket_id}/messages", response_model=TicketStatusOut, summary="Write to the agent",
             responses=STEP)
def create_message(ticket: TicketDep, body: TicketMessageCreate, desk: DeskDep, reader: ProgressDep,
                   assistant: AssistantDep, metrics: MetricsDep) -> TicketStatusOut:
    """The user's message goes to the ticket, not to the bot. A pending ticket (the agent asked for
    information) goes back to its agent, who is alerted. 409 once the ticket is resolved: reopen it first."""
    updated = desk.lifecycle.message(ticket.id, body.text.strip())
    metrics.steps.labels("message").inc()
    return status_out(reader.read(updated, assistant.data.voice))


@router.post("/tickets/{ticket_id}/rating", response_model=TicketStatusOut, summary="Rate the service (1-5)",
             responses=problems(BODY, PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound, TicketConflict,
                                                                InvalidRating]))
def rate_ticket(ticket: TicketDep, body: RatingCreate, desk: DeskDep, reader: ProgressDep,
                assistant: AssistantDep, metrics: MetricsDep) -> TicketStatusOut:
    """Once per ticket, after it is resolved (409 before, or a second time)."""
    updated = desk.lifecycle.rate(ticket.id, body.score, (body.comment or "").strip() or None)
    metrics.steps.labels("rate").inc()
    return status_out(reader.read(updated, assistant.data.voice))


@router.post("/tickets/{ticket_id}/reopen", response_model=TicketStatusOut, summary="Not solved after all",
             responses=problems(BODY, PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound, TicketConflict,
                                                                ReopenExpired]))
def reopen_ticket(ticket: TicketDep, desk: DeskDep, reader: ProgressDep, assistant: AssistantDep,
                  metrics: MetricsDep, body: ReopenRequest | None = None) -> TicketStatusOut:
    """Within FAQ_REOPEN_DAYS of 已解决 the ticket goes back to its team's queue (409 `reopen_expired` after)."""
    text = ((body.text if body else None) or "").strip() or None
    updated = desk.lifecycle.reopen(ticket.id, text)
    metrics.steps.labels("reopen").inc()
    return status_out(reader.read(updated, assistant.data.voice))
