"""The help desk's use cases for users: ask (the engine's reply, the conversation log, a ticket on handoff) and
ask for a person (转人工). Agents' steps are the ticket lifecycle (tickets/lifecycle.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from ..engine import Assistant, Reply
from ..errors import InvalidQuestion, SessionNotFound, UnknownTeam
from .store import DeskStore
from .tickets.lifecycle import TicketLifecycle
from .tickets.models import NewTicket, Ticket
from .turns import NewTurn


class HelpDesk:
    def __init__(self, store: DeskStore, teams: Sequence[str], default_team: str, suggestions: int = 3) -> None:
        if default_team not in teams:
            raise UnknownTeam(f"the default team {default_team!r} is not one of {', '.join(teams)}")
        self.store = store
        self.teams = tuple(teams)
        self.default_team = default_team
        self.suggestions = suggestions
        self.lifecycle = TicketLifecycle(store.tickets, teams)

    def ask(self, assistant: Assistant, question: object, session_id: str,
            channel: str) -> tuple[Reply, Ticket | None, str | None]:
        """Answer, remember the turn, and open a ticket when the bot hands off (one per session at a time)."""
        reply = assistant.ask(question, session=session_id)
        self.store.turns.record_turn(NewTurn(
            session_id=session_id, question=reply.question, decision=reply.decision, confidence=reply.confidence,
            answer=reply.answer.answer if reply.answer else reply.message,
            entry_id=reply.answer.id if reply.answer else None, channel=channel,
        ))
        if reply.decision != "handoff":
            return reply, None, None
        ticket, token = self._open(assistant, reply, reply.question, "bot", session_id, channel)
        return reply, ticket, token

    def request_human(self, assistant: Assistant, session_id: str | None, question: str | None,
                      contact: str | None, description: str | None, channel: str) -> tuple[Ticket, str | None]:
        """The user pressed 转人工. A session with an open ticket gets that one back; otherwise the question
        defaults to the last one asked in the session, then to the description."""
        if session_id and (existing := self.store.tickets.active_ticket(session_id)) is not None:
            return existing, None
        question = (question or "").strip() or None
        if question is None and session_id:
            turns = self.store.turns.conversations([session_id])[session_id]
            question = turns[-1].question if turns else None
        question = question or (description or "").strip()
        if not question:
            if session_id:
                raise SessionNotFound(f"nothing was asked in session {session_id}; say what you need help with")
            raise InvalidQuestion("say what you need help with: a question, a description, or a session with one")
        try:
            reply: Reply | None = assistant.ask(question[: assistant.settings.max_question_chars])
        except InvalidQuestion:
            reply = None
        return self._open(assistant, reply, question, "user", session_id, channel, contact, description)

    def _open(self, assistant: Assistant, reply: Reply | None, question: str, source: str, session_id: str | None,
              channel: str, contact: str | None = None, description: str | None = None) -> tuple[Ticket, str | None]:
        if session_id:
            existing = self.store.tickets.active_ticket(session_id)
            if existing is not None:
                return existing, None
        suggestions: tuple[dict[str, Any], ...] = ()
        if reply is not None:
            suggestions = tuple(asdict(s) for s in assistant.suggest(reply.question, self.suggestions))
        new = NewTicket(
            question=question, team=reply.team if reply else self.default_team,
            reason=reply.reason if reply and source == "bot" else "the user asked for a person",
            source="bot" if source == "bot" else "user", channel=channel, session_id=session_id,
            confidence=reply.confidence if reply else None, suggestions=suggestions, contact=contact,
            description=description,
        )
        return self.store.tickets.create_ticket(new)
