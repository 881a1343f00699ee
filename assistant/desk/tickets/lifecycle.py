"""The ticket lifecycle: open -> claimed -> resolved, with transfer and release. The rules live here; the store
applies each step atomically and writes its audit event.

=========  ===================  ============  =====================================================
step       allowed from         to            notes
=========  ===================  ============  =====================================================
claim      open                 claimed       exactly one of racing agents wins (the others: 409)
reply      claimed (own)        resolved      or stays claimed with ``keep_open``
transfer   open, claimed (own)  open          to another team, unassigned
release    claimed (own)        open          back to the team's queue
=========  ===================  ============  =====================================================

"(own)": claimed by the acting agent; an admin acts as a supervisor and may step in on anyone's ticket.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import UnknownTeam
from .models import Change, Ticket
from .store import TicketStore


class TicketLifecycle:
    def __init__(self, store: TicketStore, teams: Sequence[str]) -> None:
        self.store = store
        self.teams = tuple(teams)

    def claim(self, ticket_id: int, agent: str) -> Ticket:
        return self.store.apply(ticket_id, Change("claim", agent, frozenset({"open"}), "claimed", assign=True))

    def reply(self, ticket_id: int, agent: str, text: str, keep_open: bool = False,
              supervisor: bool = False) -> Ticket:
        change = Change("reply", agent, frozenset({"claimed"}), "claimed" if keep_open else "resolved",
                        owner_only=not supervisor, text=text)
        return self.store.apply(ticket_id, change)

    def transfer(self, ticket_id: int, agent: str, team: str, note: str | None = None,
                 supervisor: bool = False) -> Ticket:
        if team not in self.teams:
            raise UnknownTeam(f"unknown team {team!r}; teams: {', '.join(self.teams)}")
        change = Change("transfer", agent, frozenset({"open", "claimed"}), "open", owner_only=not supervisor,
                        unassign=True, team=team, text=note)
        return self.store.apply(ticket_id, change)

    def release(self, ticket_id: int, agent: str, supervisor: bool = False) -> Ticket:
        change = Change("release", agent, frozenset({"claimed"}), "open", owner_only=not supervisor, unassign=True)
        return self.store.apply(ticket_id, change)
