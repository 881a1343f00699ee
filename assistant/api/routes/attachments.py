"""Images on a ticket: the user uploads one as the raw request body (its type told by the bytes), and it is
served only to the holder of the ticket's token or to an agent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool

from ...errors import (
    PayloadTooLarge,
    TicketConflict,
    TicketNotFound,
    TicketTokenRequired,
    TooManyAttachments,
    UnsupportedAttachment,
)
from ..deps import AgentDep, AttachmentsDep, MetricsDep, StoreDep, TicketId, rate_limit
from ..openapi import KEYED, PARAMS, PUBLIC, STORE, problems
from ..schemas import AttachmentOut
from .tickets import TicketDep

router = APIRouter(tags=["users"])
AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="attachment number")]
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
          "description": "the image"}}
BODY = {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "required": True, "description": "the image's bytes (PNG, JPEG, GIF or WebP), at most "
        "FAQ_ATTACHMENT_MAX_BYTES"}


def _image(data: bytes, content_type: str) -> Response:
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600",
                                                            "Content-Disposition": "inline"})


@router.post("/v1/tickets/{ticket_id}/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED,
             summary="Attach an image (截图)", dependencies=[Depends(rate_limit)], openapi_extra={"requestBody": BODY},
             responses=problems(PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound, TicketConflict,
                                                         PayloadTooLarge, UnsupportedAttachment, TooManyAttachments]))
async def upload_attachment(request: Request, ticket: TicketDep, attachments: AttachmentsDep,
                            metrics: MetricsDep) -> AttachmentOut:
    """The body is the image itself. While the ticket is open, claimed or pending; the agent is alerted."""
    data = await request.body()
    added = await run_in_threadpool(attachments.add, ticket.id, data)
    metrics.steps.labels("attach").inc()
    return AttachmentOut(id=added.id, at=added.at, uploader=added.uploader, content_type=added.content_type,
                         size=added.size)


@router.get("/v1/tickets/{ticket_id}/attachments/{attachment_id}", summary="An image, for the ticket's user",
            dependencies=[Depends(rate_limit)], response_class=Response,
            responses={**IMAGE, **problems(PARAMS, PUBLIC, STORE, [TicketTokenRequired, TicketNotFound])})
def read_attachment(ticket: TicketDep, attachment_id: AttachmentId, attachments: AttachmentsDep) -> Response:
    found, data = attachments.read(ticket.id, attachment_id)
    return _image(data, found.content_type)


@router.get("/v1/agent/tickets/{ticket_id}/attachments/{attachment_id}", summary="An image, for agents",
            tags=["agents"], response_class=Response,
            responses={**IMAGE, **problems(PARAMS, KEYED, STORE, [TicketNotFound])})
def read_attachment_agent(ticket_id: TicketId, attachment_id: AttachmentId, agent: AgentDep, store: StoreDep,
                          attachments: AttachmentsDep) -> Response:
    found, data = attachments.read(store.tickets.get_ticket(ticket_id).id, attachment_id)
    return _image(data, found.content_type)
