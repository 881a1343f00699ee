"""Live updates as server-sent events: a ticket for its user (token in X-Ticket-Token) and the queue for agents.

They work behind an ordinary reverse proxy: ``X-Accel-Buffering: no`` asks nginx not to buffer,
``Cache-Control: no-cache`` keeps caches out, a comment line every FAQ_STREAM_HEARTBEAT_S seconds keeps idle
connections from being cut, and every stream ends after ``wait`` seconds (the client reconnects). The pages read
the stream with ``fetch`` (so the token and the key travel in headers, never in the URL) and fall back to polling
when no byte arrives, as behind a buffering proxy. Changes are found by reading the newest audit event id every
second, so they reach streams served by any worker process.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...desk import DeskStore
from ...desk.tickets import ACTIVE
from ...errors import TicketNotFound, TicketTokenRequired
from ..deps import AgentDep, AssistantDep, ProgressDep, SettingsDep, StoreDep, rate_limit
from ..openapi import KEYED, PARAMS, PUBLIC, STORE, problems
from .tickets import TicketDep, status_out

router = APIRouter(prefix="/v1", tags=["live"])
STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}}
Wait = Annotated[float, Query(ge=1, le=600, description="seconds before the stream ends (the client reconnects)")]
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
CHECK_S = 1.0


def sse(event: str, data: Any, version: int) -> str:
    return f"id: {version}\nevent: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


async def stream(request: Request, version: Callable[[], int], snapshot: Callable[[], tuple[str, Any]],
                 wait: float, heartbeat: float) -> AsyncIterator[str]:
    """The snapshot at once and again whenever ``version`` changes; a heartbeat comment in between."""
    yield "retry: 3000\n\n"
    seen, beat, end = -1, time.monotonic(), time.monotonic() + wait
    while time.monotonic() < end and not await request.is_disconnected():
        current = await run_in_threadpool(version)
        if current != seen:
            event, data = await run_in_threadpool(snapshot)
            seen, beat = current, time.monotonic()
            yield sse(event, data, current)
        elif time.monotonic() - beat >= heartbeat:
            beat = time.monotonic()
            yield ": ping\n\n"
        await asyncio.sleep(CHECK_S)


def _response(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)


@router.get("/tickets/{ticket_id}/stream", summary="A ticket's updates (server-sent events)", tags=["users"],
            dependencies=[Depends(rate_limit)], response_class=StreamingResponse,
            responses={**STREAM, **problems(PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound])})
async def stream_ticket(request: Request, ticket: TicketDep, store: StoreDep, reader: ProgressDep,
                        assistant: AssistantDep, settings: SettingsDep, wait: Wait = 60) -> StreamingResponse:
    """`event: ticket` with the ticket as `GET /v1/tickets/{id}` gives it, at once and on every change."""
    voice, tid = assistant.data.voice, ticket.id

    def snapshot() -> tuple[str, Any]:
        return "ticket", status_out(reader.read(store.tickets.get_ticket(tid), voice)).model_dump(mode="json")

    return _response(stream(request, lambda: store.tickets.last_event(tid), snapshot, wait,
                            settings.stream_heartbeat_s))


def queue_summary(store: DeskStore, agent: str) -> dict[str, Any]:
    active = store.tickets.list_tickets(ACTIVE, limit=1000)
    return {"active": len(active), "open": sum(t.status == "open" for t in active),
            "attention": [t.id for t in active if t.attention],
            "mine": [t.id for t in active if t.assignee == agent]}


@router.get("/agent/stream", summary="The queue's updates (server-sent events)", tags=["agents"],
            response_class=StreamingResponse, responses={**STREAM, **problems(PARAMS, KEYED, STORE)})
async def stream_queue(request: Request, agent: AgentDep, store: StoreDep, settings: SettingsDep,
                       wait: Wait = 60) -> StreamingResponse:
    """`event: queue` with counts (active, open), the tickets waiting for attention (the user wrote) and the
    agent's own, at once and whenever any ticket changes; the console then reloads what it shows."""
    return _response(stream(request, store.tickets.last_event, lambda: ("queue", queue_summary(store, agent.name)),
                            wait, settings.stream_heartbeat_s))
