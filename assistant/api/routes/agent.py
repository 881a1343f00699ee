"""Agents (role `agent`): suggested answers for any question, the queue, and the ticket lifecycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ...desk import DeskStore
from ...desk.service import ServicePolicy
from ...desk.tickets import ACTIVE, STATUSES, Status, Ticket
from ...desk.turns import Turn
from ...errors import InvalidQuestion, TicketConflict, TicketNotFound, UnknownTeam
from ..deps import AgentDep, AssistantDep, DeskDep, MetricsDep, PolicyDep, SettingsDep, StoreDep, TicketId
from ..openapi import BODY, INDEX, KEYED, PARAMS, SETTING, STORE, problems
from ..schemas import AgentMessageCreate, Me, Question, Queue, Suggestions, TicketAgent, TransferRequest

router = APIRouter(prefix="/v1/agent", tags=["agents"])
STEP = problems(PARAMS, KEYED, STORE, [TicketNotFound, TicketConflict])

StatusFilter = Literal["open", "claimed", "pending", "resolved", "closed", "active", "all"]
FILTERS: dict[str, frozenset[Status]] = {
    **{s: frozenset({s}) for s in STATUSES}, "active": ACTIVE, "all": frozenset(STATUSES),
}


def agent_view(ticket: Ticket, turns: list[Turn], now: dt.datetime, policy: ServicePolicy,
               store: DeskStore | None = None) -> TicketAgent:
    """The ticket as an agent sees it: with its age, SLA, the conversation so far and (with a store) its events,
    internal notes included, and the user's earlier tickets."""
    age = (now - ticket.created_at).total_seconds()
    extra: dict[str, Any] = {"age_seconds": round(age, 1), "conversation": [asdict(t) for t in turns],
                             "sla": asdict(policy.sla(ticket, now)) if ticket.status != "closed" else None}
    if store is not None:
        extra["events"] = [asdict(e) for e in store.tickets.events(ticket.id)]
        extra["earlier"] = [asdict(t) for t in store.tickets.earlier_tickets(ticket)]
        extra["attachments"] = [asdict(a) for a in store.attachments.list(ticket.id)] if store.attachments else []
    return TicketAgent.model_validate({**asdict(ticket), **extra})


def detail(store: DeskStore, policy: ServicePolicy, ticket: Ticket) -> TicketAgent:
    turns = store.turns.conversations([ticket.session_id])[ticket.session_id] if ticket.session_id else []
    return agent_view(ticket, turns, store.clock(), policy, store)


@router.get("/me", response_model=Me, summary="Who am I (checks a key)", responses=problems(KEYED))
async def read_me(agent: AgentDep, settings: SettingsDep) -> Me:
    return Me(name=agent.name, role=agent.role, teams=list(settings.teams))


@router.get("/suggest", response_model=Suggestions, summary="Suggested answers for any question",
            responses=problems(PARAMS, KEYED, INDEX, [InvalidQuestion]))
def suggest(agent: AgentDep, assistant: AssistantDep,
            q: Annotated[Question, Query(description="the question")],
            k: Annotated[int, Query(ge=1, le=20, description="how many")] = 5) -> Suggestions:
    found = assistant.suggest(q, k)
    return Suggestions.model_validate({"query": q.strip(), "suggestions": [asdict(s) for s in found]})


@router.get("/tickets", response_model=Queue, summary="The queue: SLA breached first, then least time left",
            responses=problems(PARAMS, KEYED, STORE, [UnknownTeam]))
def list_tickets(agent: AgentDep, store: StoreDep, settings: SettingsDep, policy: PolicyDep,
                 status: Annotated[StatusFilter, Query(description="`active` = open, claimed or pending")] = "active",
                 team: Annotated[str | None, Query(description="only this team's tickets",
                                                   json_schema_extra={SETTING: "teams"})] = None,
                 mine: Annotated[bool, Query(description="only the tickets I hold")] = False,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Queue:
    if team is not None and team not in settings.teams:
        raise UnknownTeam(f"unknown team {team!r}; teams: {', '.join(settings.teams)}")
    tickets = store.tickets.list_tickets(FILTERS[status], team, min(limit, settings.queue_limit),
                                         assignee=agent.name if mine else None)
    turns = store.turns.conversations({t.session_id for t in tickets if t.session_id})
    now = store.clock()
    tickets.sort(key=lambda t: policy.queue_key(t, now))
    views = [agent_view(t, turns.get(t.session_id, []) if t.session_id else [], now, policy) for t in tickets]
    return Queue(count=len(views), tickets=views)


@router.get("/tickets/{ticket_id}", response_model=TicketAgent, summary="One ticket with its audit trail",
            responses=problems(PARAMS, KEYED, STORE, [TicketNotFound]))
def read_ticket_detail(ticket_id: TicketId, agent: AgentDep, store: StoreDep, policy: PolicyDep) -> TicketAgent:
    return detail(store, policy, store.tickets.get_ticket(ticket_id))


@router.post("/tickets/{ticket_id}/claim", response_model=TicketAgent, summary="Claim (exactly one agent wins)",
             responses=STEP)
def claim_ticket(ticket_id: TicketId, agent: AgentDep, desk: DeskDep, store: StoreDep, policy: PolicyDep,
                 metrics: MetricsDep) -> TicketAgent:
    ticket = desk.lifecycle.claim(ticket_id, agent.name)
    metrics.steps.labels("claim").inc()
    return detail(store, policy, ticket)


@router.post("/tickets/{ticket_id}/reply", response_model=TicketAgent, summary="Reply to the user",
             responses=problems(BODY, PARAMS, KEYED, STORE, [TicketNotFound, TicketConflict]))
def reply_ticket(ticket_id: TicketId, body: AgentMessageCreate, agent: AgentDep, desk: DeskDep, store: StoreDep,
                 policy: PolicyDep, metrics: MetricsDep) -> TicketAgent:
    """The text is shown to the user. Resolves the ticket unless `keep_open` (stays claimed) or `pending` (asks
    the user for information: 等待您补充信息 until they answer)."""
    ticket = desk.lifecycle.reply(ticket_id, agent.name, body.text.strip(), body.keep_open,
                                  supervisor=agent.role == "admin", pending=body.pending)
    metrics.steps.labels("reply").inc()
    return detail(store, policy, ticket)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketAgent, summary="Transfer to another team",
             responses=problems(BODY, PARAMS, KEYED, STORE, [TicketNotFound, TicketConflict, UnknownTeam]))
def transfer_ticket(ticket_id: TicketId, body: TransferRequest, agent: AgentDep, desk: DeskDep,
                    store: StoreDep, policy: PolicyDep, metrics: MetricsDep) -> TicketAgent:
    """With a note for the receiving team (internal); the user sees 已转交…团队."""
    ticket = desk.lifecycle.transfer(ticket_id, agent.name, body.team, body.note.strip(),
                                     supervisor=agent.role == "admin")
    metrics.steps.labels("transfer").inc()
    return detail(store, policy, ticket)


@router.post("/tickets/{ticket_id}/release", response_model=TicketAgent, summary="Put back in the queue",
             responses=STEP)
def release_ticket(ticket_id: TicketId, agent: AgentDep, desk: DeskDep, store: StoreDep, policy: PolicyDep,
                   metrics: MetricsDep) -> TicketAgent:
    ticket = desk.lifecycle.release(ticket_id, agent.name, supervisor=agent.role == "admin")
    metrics.steps.labels("release").inc()
    return detail(store, policy, ticket)
