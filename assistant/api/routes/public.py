"""End users (no login, rate limited): ask, hand off to a person, follow a ticket, give feedback."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from ...desk import HelpDesk
from ...desk.feedback.collector import FeedbackCollector
from ...desk.helpdesk import Asked, HumanRequest
from ...desk.ratings import NewRating
from ...desk.tickets.models import Ticket
from ...engine import Assistant, Reply
from ...errors import AssistantError, EntryNotFound, InvalidQuestion, SessionNotFound
from ..deps import AssistantDep, DeskDep, LanesDep, MetricsDep, StoreDep, rate_limit
from ..metrics import Metrics
from ..openapi import BODY, INDEX, PARAMS, PUBLIC, STORE, problems
from ..schemas import (
    AskRequest,
    AskResponse,
    FeedbackCreate,
    FeedbackResult,
    SessionTurns,
    TicketCreate,
    TicketCreated,
    TurnOut,
    VoiceOut,
)
from .feedback import record_feedback

router = APIRouter(prefix="/v1", tags=["users"], dependencies=[Depends(rate_limit)])


@router.post("/ask", response_model=AskResponse, summary="Ask a question",
             responses=problems(BODY, PUBLIC, INDEX, STORE, [InvalidQuestion]))
async def ask(body: AskRequest, assistant: AssistantDep, lanes: LanesDep) -> dict[str, Any]:
    """The engine's Reply. On `handoff` (including an explicit request for a person) a ticket is opened and
    `ticket_id` / `ticket_token` are set; a session gets at most one open ticket at a time. Feedback (decision
    `feedback`, or an answer that is feedback too) is recorded: `feedback_id` / `feedback_token` are set."""
    # answered on one of the worker's ask lanes, with the other requests of the moment (api/lane.py)
    lane = lanes.repeats if assistant.has_ranking(body.question) else lanes.fresh
    answered: dict[str, Any] = await lane.submit(Question(body, body.session_id or uuid.uuid4().hex, assistant))
    return answered


@dataclass(frozen=True)
class Question:
    """A /v1/ask request waiting on the ask lane."""

    body: AskRequest
    session_id: str
    assistant: Assistant


def answer_questions(desk: HelpDesk, metrics: Metrics, collector: FeedbackCollector,
                     questions: list[Question]) -> list[dict[str, Any] | Exception]:
    """The ask lane's work: each batch's questions answered together (per index, should a reload fall between
    them), each turned into its response body."""
    out: dict[int, dict[str, Any] | Exception] = {}
    by_index: dict[int, list[int]] = {}
    for n, q in enumerate(questions):
        by_index.setdefault(id(q.assistant), []).append(n)
    for members in by_index.values():
        assistant = questions[members[0]].assistant
        asked = [Asked(questions[n].body.question, questions[n].session_id, questions[n].body.channel)
                 for n in members]
        for n, done in zip(members, desk.ask_many(assistant, asked), strict=True):
            try:
                out[n] = done if isinstance(done, Exception) else _response(questions[n], done, metrics, collector)
            except AssistantError as exc:  # this one's feedback could not be recorded: the others still answer
                out[n] = exc
    return [out[n] for n in range(len(questions))]


def _response(q: Question, done: tuple[Reply, Ticket | None, str | None], metrics: Metrics,
              collector: FeedbackCollector) -> dict[str, Any]:
    reply, ticket, token = done
    metrics.questions.labels(reply.decision).inc()
    if token is not None:
        metrics.tickets.labels("bot").inc()
    out = {**reply.to_dict(), "session_id": q.session_id, "ticket_id": ticket.id if ticket else None,
           "ticket_token": token,
           **record_feedback(q.assistant, reply, q.session_id, q.body.channel, collector, metrics)}
    if ticket is not None and token is None:  # the session's ticket was already open: say so, in the voice
        out["message"] = q.assistant.data.voice.say("ticket.already_open", q.body.channel, id=ticket.id)
    return out


@router.get("/voice", response_model=VoiceOut, summary="The assistant's texts for a channel",
            responses=problems(PARAMS, PUBLIC, INDEX))
def read_voice(assistant: AssistantDep,
               channel: Annotated[str, Query(pattern=r"^(web|embed|app|agent)$")] = "web") -> VoiceOut:
    """Every sentence and label the widget and the console show (the KB's voice.yaml), for one channel."""
    voice = assistant.data.voice
    return VoiceOut(channel=channel, max_question_chars=assistant.settings.max_question_chars,
                    say=voice.flat("say", channel), widget=voice.flat("widget", channel),
                    console=voice.flat("console", channel))


@router.get("/sessions/{session_id}/turns", response_model=SessionTurns, summary="A conversation, to resume it",
            responses=problems(PARAMS, PUBLIC, STORE))
def read_session(session_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")], store: StoreDep,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> SessionTurns:
    """The session's turns, oldest first (the widget shows them again after a reload). The session id is the
    secret: the widget makes a random one."""
    turns = store.turns.conversations([session_id])[session_id][-limit:]
    return SessionTurns(session_id=session_id, turns=[TurnOut.model_validate(asdict(t)) for t in turns])


@router.post("/tickets", response_model=TicketCreated, status_code=status.HTTP_201_CREATED,
             summary="Ask for a person (转人工)",
             responses={200: {"model": TicketCreated, "description": "the session's open ticket (no token)"},
                        **problems(BODY, PUBLIC, INDEX, STORE, [SessionNotFound])})
def create_ticket(body: TicketCreate, response: Response, assistant: AssistantDep, desk: DeskDep,
                  metrics: MetricsDep) -> TicketCreated:
    """Opens a ticket (201). If the session already has an open one, that one is returned (200, no token).
    Without a question or description, the session's last question is handed over (404 if it has none)."""
    ticket, token = desk.request_human(assistant, HumanRequest(
        session_id=body.session_id, question=body.question, contact=_trimmed(body.contact),
        description=_trimmed(body.description), channel=body.channel, entry_id=body.entry_id,
        failed_step=body.failed_step))
    if token is None:
        response.status_code = status.HTTP_200_OK
    else:
        metrics.tickets.labels("user").inc()
    message = assistant.data.voice.say("ticket.created" if token else "ticket.already_open", body.channel,
                                       id=ticket.id)
    return TicketCreated(ticket_id=ticket.id, ticket_token=token, created=token is not None, status=ticket.status,
                         team=ticket.team, message=message)


def _trimmed(text: str | None) -> str | None:
    return (text or "").strip() or None


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
    message = assistant.data.voice.say("rating.helpful" if body.helpful else "rating.not_helpful")
    return FeedbackResult(recorded=True, offer_human=not body.helpful, message=message)
