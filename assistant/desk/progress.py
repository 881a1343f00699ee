"""A ticket as its user follows it: the status in plain words with its history, the place in the queue and the
expected wait, service hours, and the conversation with the agent (internal notes never appear here). Every
text comes from the voice (``say.ticket.*``, ``say.out_of_hours``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..kb.voice import Voice
from .service import ServicePolicy
from .store import DeskStore
from .tickets.attachments import Attachment, SqlAttachmentStore
from .tickets.lifecycle import TicketLifecycle
from .tickets.models import RESPONSES, Ticket, TicketEvent

RECENT = dt.timedelta(days=14)  # the first responses an expected wait is computed from


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    status: str
    text: str


@dataclass(frozen=True)
class Message:
    author: str  # "user" or "agent"
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class Progress:
    ticket: Ticket
    status_text: str
    history: list[Step]
    messages: list[Message]
    position: int | None
    expected_wait_minutes: int | None
    out_of_hours: str | None
    can_write: bool
    can_reopen: bool
    can_rate: bool
    attachments: list[Attachment]


def team_label(voice: Voice, team: str) -> str:
    return voice.say(f"team.{team}", section="console") if f"team.{team}" in voice.texts["console"] else team


def _step(voice: Voice, event: TicketEvent, channel: str) -> str | None:
    """The user's words for an event that changed where the ticket stands; None for the others."""
    key = {"create": "ticket.submitted", "claim": "ticket.claimed", "ask": "ticket.pending",
           "resolve": "ticket.resolved", "reopen": "ticket.reopened", "release": "ticket.waiting",
           "close": "ticket.closed", "spam": "ticket.closed"}.get(event.action)
    if event.action == "transfer":
        return voice.say("ticket.transferred", channel, team=team_label(voice, event.team or ""))
    if event.action == "message" and event.from_status == "pending":
        key = "ticket.claimed"
    return voice.say(key, channel) if key else None


class ProgressReader:
    def __init__(self, store: DeskStore, policy: ServicePolicy, lifecycle: TicketLifecycle,
                 attachments: SqlAttachmentStore | None = None) -> None:
        self.store = store
        self.policy = policy
        self.lifecycle = lifecycle
        self.attachments = attachments

    def read(self, ticket: Ticket, voice: Voice, channel: str = "web") -> Progress:
        now = self.store.clock()
        events = self.store.tickets.events(ticket.id)
        history = [Step(e.at, e.to_status, text) for e in events if (text := _step(voice, e, channel))]
        messages = [Message("agent" if e.action in RESPONSES else "user", e.text, e.at) for e in events
                    if e.text and (e.action in RESPONSES or e.action in ("message", "reopen"))]
        position = wait = None
        if ticket.status == "open":
            position, wait = self._queue_place(ticket, now)
            status_text = voice.say("ticket.queued", channel, position=position, minutes=wait)
            if history and events and events[-1].action == "transfer":
                status_text = f"{history[-1].text} · {status_text}"
        else:
            status_text = voice.say(f"ticket.{ticket.status}", channel)
        closed_hours = None
        if ticket.status in ("open", "pending", "claimed") and not self.policy.is_open(ticket.team, now):
            window = self.policy.window(ticket.team)
            closed_hours = voice.say("out_of_hours", channel, hours=window.text,
                                     opens=self.policy.opens(ticket.team, now).strftime("%H:%M"))
        return Progress(ticket=ticket, status_text=status_text, history=history, messages=messages,
                        position=position, expected_wait_minutes=wait, out_of_hours=closed_hours,
                        can_write=ticket.status in ("open", "claimed", "pending"),
                        can_reopen=self.lifecycle.can_reopen(ticket),
                        can_rate=ticket.status in ("resolved", "closed") and ticket.rating is None,
                        attachments=self.attachments.list(ticket.id) if self.attachments else [])

    def _queue_place(self, ticket: Ticket, now: dt.datetime) -> tuple[int, int]:
        queue = self.store.tickets.list_tickets({"open"}, ticket.team, limit=1000)
        queue.sort(key=lambda t: self.policy.queue_key(t, now))
        position = next((n for n, t in enumerate(queue, 1) if t.id == ticket.id), len(queue) + 1)
        recent = self.store.reports.recent_first_responses(ticket.team, now - RECENT, exclude=ticket.id)
        return position, self.policy.expected_wait_minutes(position, recent)
