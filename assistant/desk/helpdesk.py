"""The help desk's use cases for users: ask (the engine's reply in the context of the conversation, the turn
logged, a ticket on handoff) and ask for a person (转人工). Agents' steps are the ticket lifecycle
(tickets/lifecycle.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..engine import Ask, Assistant, Reply
from ..engine.context import PriorTurn
from ..errors import AssistantError, InvalidQuestion, SessionNotFound, UnknownTeam
from .store import DeskStore
from .tickets.lifecycle import TicketLifecycle
from .tickets.models import NewTicket, Ticket
from .turns import NewTurn, Turn, TurnChoice

URGENT, HIGH, NORMAL = 2, 1, 0
_STEP = re.compile(r"^\s*(\d+)\s*[.、．)）]\s*(.+)$")


@dataclass(frozen=True)
class Asked:
    """A user's message in a session, for ``HelpDesk.ask_many``."""

    question: object
    session_id: str
    channel: str = "web"


@dataclass(frozen=True)
class HumanRequest:
    """转人工 pressed in the widget: what the user says, and where they were."""

    session_id: str | None = None
    question: str | None = None
    contact: str | None = None
    description: str | None = None
    channel: str = "web"
    entry_id: str | None = None  # the answer being followed step by step ...
    failed_step: int | None = None  # ... and the step (1-based) that could not be done


class HelpDesk:
    def __init__(self, store: DeskStore, teams: Sequence[str], default_team: str, suggestions: int = 3,
                 context_minutes: float = 30.0, context_turns: int = 4, reopen_days: float = 7.0) -> None:
        if default_team not in teams:
            raise UnknownTeam(f"the default team {default_team!r} is not one of {', '.join(teams)}")
        self.store = store
        self.teams = tuple(teams)
        self.default_team = default_team
        self.suggestions = suggestions
        self.context = dt.timedelta(minutes=context_minutes)
        self.context_turns = context_turns
        self.lifecycle = TicketLifecycle(store.tickets, teams, reopen_days, store.clock)

    def ask(self, assistant: Assistant, question: object, session_id: str,
            channel: str) -> tuple[Reply, Ticket | None, str | None]:
        """Answer in the context of the session's recent turns, log the turn, and open a ticket when the bot hands
        off (one per session at a time)."""
        done = self.ask_many(assistant, [Asked(question, session_id, channel)])[0]
        if isinstance(done, AssistantError):
            raise done
        return done

    def ask_many(self, assistant: Assistant, asks: Sequence[Asked]
                 ) -> list[tuple[Reply, Ticket | None, str | None] | AssistantError]:
        """``ask`` for several sessions' messages at once (the service's concurrent requests): their recent turns
        read in one query and their questions ranked together. A message that is not a valid question, or whose
        ticket could not be opened, gets its error in its place; the others are answered."""
        recent = self.store.turns.recent_many({a.session_id for a in asks}, self.store.clock() - self.context,
                                              self.context_turns)
        replies = assistant.ask_batch([
            Ask(a.question, a.session_id, a.channel,
                [PriorTurn(t.question, t.decision, t.entry_id) for t in recent[a.session_id]]) for a in asks])
        out: list[tuple[Reply, Ticket | None, str | None] | AssistantError] = []
        for a, reply in zip(asks, replies, strict=True):
            if isinstance(reply, InvalidQuestion):
                out.append(reply)
                continue
            self.store.turns.record_turn(NewTurn(
                session_id=a.session_id, question=reply.question, decision=reply.decision,
                confidence=reply.confidence, answer=_said(reply, assistant.data.voice.say("focus.lead", a.channel)),
                entry_id=reply.answer.id if reply.answer else None, channel=a.channel, intent=reply.intent,
                emotion=reply.emotion, context=reply.context,
                choices=tuple(TurnChoice(c.id, c.question) for c in reply.alternatives)
                if reply.decision in ("clarify", "feedback") else (),
            ))
            if reply.decision != "handoff":
                out.append((reply, None, None))
                continue
            try:
                ticket, token = self._open(assistant, reply, NewTicket(
                    question=reply.question, team=reply.team, reason=reply.reason, source="bot", channel=a.channel,
                    session_id=a.session_id, confidence=reply.confidence, **_urgency(reply, recent[a.session_id])))
            except AssistantError as exc:  # this one's ticket (the store failed): the batch's others still answer
                out.append(exc)
                continue
            out.append((reply, ticket, token))
        return out

    def request_human(self, assistant: Assistant, request: HumanRequest) -> tuple[Ticket, str | None]:
        """The user pressed 转人工. A session with an open ticket gets that one back; otherwise the question
        defaults to the last one asked in the session, then to the description."""
        session_id = request.session_id
        if session_id and (existing := self.store.tickets.active_ticket(session_id)) is not None:
            return existing, None
        question = (request.question or "").strip() or None
        turns = self.store.turns.conversations([session_id])[session_id] if session_id else []
        question = question or (turns[-1].question if turns else None) or (request.description or "").strip()
        if not question:
            if session_id:
                raise SessionNotFound(f"nothing was asked in session {session_id}; say what you need help with")
            raise InvalidQuestion("say what you need help with: a question, a description, or a session with one")
        try:
            reply: Reply | None = assistant.ask(question[: assistant.settings.max_question_chars])
        except InvalidQuestion:
            reply = None
        description = request.description
        step = _step_text(assistant, request.entry_id, request.failed_step)
        if step is not None:
            said = assistant.data.voice.say("step.failed_ticket", request.channel, step=request.failed_step, text=step)
            description = "\n".join(x for x in (said, description) if x)
        urgency = _urgency(reply, turns) if reply is not None else {}
        return self._open(assistant, reply, NewTicket(
            question=question, team=reply.team if reply else self.default_team, reason="the user asked for a person",
            source="user", channel=request.channel, session_id=session_id,
            confidence=reply.confidence if reply else None, contact=request.contact, description=description,
            entry_id=request.entry_id if step is not None else None,
            failed_step=request.failed_step if step is not None else None, **urgency))

    def _open(self, assistant: Assistant, reply: Reply | None, new: NewTicket) -> tuple[Ticket, str | None]:
        if new.session_id:
            existing = self.store.tickets.active_ticket(new.session_id)
            if existing is not None:
                return existing, None
        suggestions: tuple[dict[str, Any], ...] = ()
        if reply is not None:
            suggestions = tuple(asdict(s) for s in assistant.suggest(reply.question, self.suggestions))
        return self.store.tickets.create_ticket(NewTicket(**{**asdict(new), "suggestions": suggestions}))


def _said(reply: Reply, lead: str) -> str:
    """What the turn log keeps of a reply: the answer, the message, or both (a safety handoff shows the entry's
    steps under the emergency message, and a reload shows them again); of a follow-up's focused answer, the part
    shown with its lead."""
    if reply.answer is None:
        return reply.message
    if reply.focus:
        return f"{lead}\n{reply.focus}"
    return f"{reply.message}\n\n{reply.answer.answer}" if reply.decision == "handoff" else reply.answer.answer


def _urgency(reply: Reply, turns: Sequence[Turn]) -> dict[str, Any]:
    """A ticket's priority: urgent for safety and legal matters, high when the user is upset (now or earlier in
    the conversation) or the question touches a sensitive entry."""
    upset = next((e for e in [reply.emotion, *(t.emotion for t in reversed(turns))] if e and e != "neutral"), None)
    if reply.intent in ("safety", "legal") or reply.team == "safety":
        return {"priority": URGENT, "emotion": upset}
    sensitive = reply.answer is not None and reply.answer.risk == "sensitive"
    return {"priority": HIGH if upset or sensitive else NORMAL, "emotion": upset}


def _step_text(assistant: Assistant, entry_id: str | None, step: int | None) -> str | None:
    """The text of a numbered step of an entry's answer, or None when there is no such entry or step."""
    if entry_id is None or step is None:
        return None
    entry = next((e for e in assistant.data.entries if e.id == entry_id), None)
    if entry is None:
        return None
    steps = [m.group(2).strip() for line in entry.answer.splitlines() if (m := _STEP.match(line))]
    return steps[step - 1] if 1 <= step <= len(steps) else None
