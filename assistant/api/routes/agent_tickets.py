"""Agents' further steps on a ticket: internal notes, closing (also as spam), and canned replies to insert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...desk.progress import team_label
from ...errors import TicketConflict, TicketNotFound
from ..deps import AgentDep, AssistantDep, CannedDep, DeskDep, MetricsDep, PolicyDep, StoreDep, TicketId
from ..openapi import BODY, KEYED, PARAMS, STORE, problems
from ..schemas import TicketAgent
from ..ticket_schemas import CannedList, CannedOut, NoteCreate
from .agent import detail

router = APIRouter(prefix="/v1/agent", tags=["agents"])
STEP = problems(PARAMS, KEYED, STORE, [TicketNotFound, TicketConflict])


@router.post("/tickets/{ticket_id}/notes", response_model=TicketAgent, summary="Add an internal note",
             responses=problems(BODY, PARAMS, KEYED, STORE, [TicketNotFound]))
def create_note(ticket_id: TicketId, body: NoteCreate, agent: AgentDep, desk: DeskDep, store: StoreDep,
                policy: PolicyDep, metrics: MetricsDep) -> TicketAgent:
    """For agents only: the user never sees it. Any agent, on a ticket in any status."""
    ticket = desk.lifecycle.note(ticket_id, agent.name, body.text.strip())
    metrics.steps.labels("note").inc()
    return detail(store, policy, ticket)


@router.post("/tickets/{ticket_id}/close", response_model=TicketAgent, summary="Close a resolved ticket",
             responses=STEP)
def close_ticket(ticket_id: TicketId, agent: AgentDep, desk: DeskDep, store: StoreDep, policy: PolicyDep,
                 metrics: MetricsDep) -> TicketAgent:
    """A closed ticket can no longer be reopened (it can still be rated)."""
    ticket = desk.lifecycle.close(ticket_id, agent.name)
    metrics.steps.labels("close").inc()
    return detail(store, policy, ticket)


@router.post("/tickets/{ticket_id}/spam", response_model=TicketAgent, summary="Close as spam", responses=STEP)
def spam_ticket(ticket_id: TicketId, agent: AgentDep, desk: DeskDep, store: StoreDep, policy: PolicyDep,
                metrics: MetricsDep) -> TicketAgent:
    """An open ticket, or one the agent holds, is closed without an answer."""
    ticket = desk.lifecycle.spam(ticket_id, agent.name, supervisor=agent.role == "admin")
    metrics.steps.labels("spam").inc()
    return detail(store, policy, ticket)


@router.get("/canned", response_model=CannedList, summary="Search the canned replies",
            responses=problems(PARAMS, KEYED, STORE, [TicketNotFound]))
def search_canned(agent: AgentDep, canned: CannedDep, store: StoreDep, assistant: AssistantDep,
                  q: Annotated[str, Query(max_length=100, description="words all found in the reply")] = "",
                  ticket_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="fill in the variables "
                                                         "for this ticket, and only its team's replies")] = None,
                  ) -> CannedList:
    """The KB folder's `canned_replies.yaml`, with {{ticket_id}}, {{team}} and {{agent}} filled in."""
    values, team = {"agent": agent.name}, None
    if ticket_id is not None:
        ticket = store.tickets.get_ticket(ticket_id)
        team = ticket.team
        values |= {"ticket_id": str(ticket.id), "team": team_label(assistant.data.voice, team)}
    found = canned.search(q, team)
    return CannedList(query=q, replies=[CannedOut(id=r.id, title=r.title, text=r.render(values),
                                                  teams=list(r.teams), tags=list(r.tags)) for r in found])
