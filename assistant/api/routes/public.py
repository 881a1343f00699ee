"""End users (no login, rate limited): ask, hand off to a person, follow a ticket, give feedback."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status

from ...desk import DeskStore
from ...desk.ratings import NewRating
from ...errors import EntryNotFound, InvalidQuestion, SessionNotFound, TicketNotFound, TicketTokenRequired
from ..deps import AssistantDep, DeskDep, MetricsDep, StoreDep, TicketId, rate_limit
from ..openapi import BODY, INDEX, PARAMS, PUBLIC, STORE, problems
from ..schemas import (
    AgentMessageOut,
    AskRequest,
    AskResponse,
    FeedbackCreate,
    FeedbackResult,
    TicketCreate,
    TicketCreated,
    TicketPublic,
)

router = APIRouter(prefix="/v1", tags=["users"], dependencies=[Depends(rate_limit)])

HANDED_OFF = "已为您转接人工客服，工单号 #{id}。客服回复后会显示在这里，请稍候。"
ALREADY_OPEN = "您已有一个正在处理的工单 #{id}，客服回复后会显示在这里。"
NOT_HELPFUL = "很抱歉没能帮到您。需要为您转接人工客服吗？"
THANKS = "感谢您的反馈！"


@router.post("/ask", response_model=AskResponse, summary="Ask a question",
             responses=problems(BODY, PUBLIC, INDEX, STORE, [InvalidQuestion]))
def ask(body: AskRequest, assistant: AssistantDep, desk: DeskDep, metrics: MetricsDep) -> dict[str, Any]:
    """The engine's Reply. On `handoff` (including an explicit request for a person) a ticket is opened and
    `ticket_id` / `ticket_token` are set; a session gets at most one open ticket at a time."""
    session_id = body.session_id or uuid.uuid4().hex
    reply, ticket, token = desk.ask(assistant, body.question, session_id, body.channel)
    metrics.questions.labels(reply.decision).inc()
    if token is not None:
        metrics.tickets.labels("bot").inc()
    return {**reply.to_dict(), "session_id": session_id, "ticket_id": ticket.id if ticket else None,
            "ticket_token": token}


@router.post("/tickets", response_model=TicketCreated, status_code=status.HTTP_201_CREATED,
             summary="Ask for a person (转人工)",
             responses={200: {"model": TicketCreated, "description": "the session's open ticket (no token)"},
                        **problems(BODY, PUBLIC, INDEX, STORE, [SessionNotFound])})
def create_ticket(body: TicketCreate, response: Response, assistant: AssistantDep, desk: DeskDep,
                  metrics: MetricsDep) -> TicketCreated:
    """Opens a ticket (201). If the session already has an open one, that one is returned (200, no token).
    Without a question or description, the session's last question is handed over (404 if it has none)."""
    ticket, token = desk.request_human(assistant, body.session_id, body.question, _trimmed(body.contact),
                                       _trimmed(body.description), body.channel)
    if token is None:
        response.status_code = status.HTTP_200_OK
    else:
        metrics.tickets.labels("user").inc()
    message = (HANDED_OFF if token else ALREADY_OPEN).format(id=ticket.id)
    return TicketCreated(ticket_id=ticket.id, ticket_token=token, created=token is not None, status=ticket.status,
                         team=ticket.team, message=message)


def _trimmed(text: str | None) -> str | None:
    return (text or "").strip() or None


@router.get("/tickets/{ticket_id}", response_model=TicketPublic, summary="Follow a ticket",
            responses=problems(PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound]))
def read_ticket(ticket_id: TicketId, store: StoreDep,
                x_ticket_token: Annotated[str | None, Header(description="the token given at creation")] = None,
                ) -> TicketPublic:
    if not x_ticket_token:
        raise TicketTokenRequired("send the ticket's token in the X-Ticket-Token header")
    ticket = store.tickets.read_ticket(ticket_id, x_ticket_token)
    return TicketPublic(id=ticket.id, status=ticket.status, team=ticket.team, question=ticket.question,
                        created_at=ticket.created_at, updated_at=ticket.updated_at, resolved_at=ticket.resolved_at,
                        reply=ticket.reply, replies=_replies(store, ticket_id))


def _replies(store: DeskStore, ticket_id: int) -> list[AgentMessageOut]:
    return [AgentMessageOut(text=e.text, at=e.at) for e in store.tickets.events(ticket_id)
            if e.action == "reply" and e.text]


@router.post("/feedback", response_model=FeedbackResult, summary="Was the answer helpful?",
             responses=problems(BODY, PUBLIC, INDEX, STORE, [EntryNotFound]))
def create_feedback(body: FeedbackCreate, assistant: AssistantDep, store: StoreDep,
                    metrics: MetricsDep) -> FeedbackResult:
    """A "not helpful" answer comes back with `offer_human`: the widget then offers 转人工."""
    if not any(e.id == body.entry_id for e in assistant.data.entries):
        raise EntryNotFound(f"there is no entry {body.entry_id!r} in index {assistant.version}")
    store.ratings.record_rating(NewRating(session_id=body.session_id, entry_id=body.entry_id, helpful=body.helpful,
                                         comment=body.comment or None))
    metrics.feedback.labels(str(body.helpful).lower()).inc()
    return FeedbackResult(recorded=True, offer_human=not body.helpful, message=THANKS if body.helpful else NOT_HELPFUL)
