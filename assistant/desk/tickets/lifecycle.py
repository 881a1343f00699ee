"""The ticket lifecycle. The rules live here; the store applies each step atomically with its audit event.

=========  ===============================  ==========  ===================================================
step       allowed from                     to          notes
=========  ===============================  ==========  ===================================================
claim      open                             claimed     exactly one of racing agents wins (the others: 409)
reply      claimed (own)                    resolved    ``keep_open``: stays claimed; ``pending``: pending
transfer   open, claimed/pending (own)      open        to another team, unassigned, with a note
release    claimed/pending (own)            open        back to the team's queue
note       any                              (same)      internal: the user never sees it
message    open, claimed, pending           (same)      the user writes; pending -> claimed; alerts the agent
reopen     resolved (within reopen_days)    open        by the user; back to the team's queue
rate       resolved, closed (not rated)     (same)      by the user: score 1-5, optional comment
close      resolved                         closed      no more reopening
spam       open, claimed/pending (own)      closed      close as spam
=========  ===============================  ==========  ===================================================

"(own)": held by the acting agent; an admin acts as a supervisor and may step in on anyone's ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ...errors import InvalidRating, ReopenExpired, UnknownTeam
from ..clock import Clock, system_clock
from .models import ACTIVE, STATUSES, Action, Change, Status, Ticket
from .store import TicketStore

HELD: frozenset[Status] = frozenset({"claimed", "pending"})
TRANSFERABLE: frozenset[Status] = frozenset({"open", "claimed", "pending"})
USER = "user"


class TicketLifecycle:
    def __init__(self, store: TicketStore, teams: Sequence[str], reopen_days: float = 7.0,
                 clock: Clock = system_clock) -> None:
        self.store = store
        self.teams = tuple(teams)
        self.reopen_window = dt.timedelta(days=reopen_days)
        self.clock = clock

    # ---- agents ------------------------------------------------------------------------------------------

    def claim(self, ticket_id: int, agent: str) -> Ticket:
        return self.store.apply(ticket_id, Change("claim", agent, frozenset({"open"}), "claimed", assign=True))

    def reply(self, ticket_id: int, agent: str, text: str, keep_open: bool = False,
              supervisor: bool = False, pending: bool = False) -> Ticket:
        """Send the user a reply: it resolves the ticket, or keeps it claimed, or (``pending``) asks the user
        for more information and waits for them."""
        action: Action = "ask" if pending else "reply" if keep_open else "resolve"
        status: Status = "pending" if pending else "claimed" if keep_open else "resolved"
        change = Change(action, agent, HELD, status, owner_only=not supervisor, text=text,
                        attention=False)
        return self.store.apply(ticket_id, change)

    def transfer(self, ticket_id: int, agent: str, team: str, note: str, supervisor: bool = False) -> Ticket:
        if team not in self.teams:
            raise UnknownTeam(f"unknown team {team!r}; teams: {', '.join(self.teams)}")
        change = Change("transfer", agent, TRANSFERABLE, "open", owner_only=not supervisor,
                        unassign=True, team=team, text=note)
        return self.store.apply(ticket_id, change)

    def release(self, ticket_id: int, agent: str, supervisor: bool = False) -> Ticket:
        change = Change("release", agent, HELD, "open", owner_only=not supervisor, unassign=True)
        return self.store.apply(ticket_id, change)

    def note(self, ticket_id: int, agent: str, text: str) -> Ticket:
        return self.store.apply(ticket_id, Change("note", agent, frozenset(STATUSES), None, owner_only=False,
                                                  text=text))

    def close(self, ticket_id: int, agent: str) -> Ticket:
        return self.store.apply(ticket_id, Change("close", agent, frozenset({"resolved"}), "closed",
                                                  owner_only=False))

    def spam(self, ticket_id: int, agent: str, supervisor: bool = False) -> Ticket:
        change = Change("spam", agent, frozenset(ACTIVE), "closed", owner_only=not supervisor, attention=False)
        return self.store.apply(ticket_id, change)

    # ---- the user (holding the ticket's token) -----------------------------------------------------------

    def message(self, ticket_id: int, text: str) -> Ticket:
        """The user writes on the ticket: a pending ticket goes back to its agent, who is alerted."""
        change = Change("message", USER, frozenset(ACTIVE), None, owner_only=False, text=text, resume=True,
                        attention=True)
        return self.store.apply(ticket_id, change)

    def reopen(self, ticket_id: int, text: str | None = None) -> Ticket:
        ticket = self.store.get_ticket(ticket_id)
        if ticket.status == "resolved" and not self.can_reopen(ticket):
            raise ReopenExpired(f"ticket {ticket_id} was resolved more than {self.reopen_window.days} days ago; "
                                "open a new one")
        change = Change("reopen", USER, frozenset({"resolved"}), "open", owner_only=False, unassign=True,
                        text=text, attention=True)
        return self.store.apply(ticket_id, change)

    def rate(self, ticket_id: int, score: int, comment: str | None = None) -> Ticket:
        if not 1 <= score <= 5:
            raise InvalidRating(f"a rating is 1 to 5, not {score}")
        change = Change("rate", USER, frozenset({"resolved", "closed"}), None, owner_only=False, rating=score,
                        text=comment)
        return self.store.apply(ticket_id, change)

    def can_reopen(self, ticket: Ticket) -> bool:
        return (ticket.status == "resolved" and ticket.resolved_at is not None
                and self.clock() - ticket.resolved_at <= self.reopen_window)
