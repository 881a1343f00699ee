"""Everything the help desk keeps, on one database: tickets, the conversation log and answer ratings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock, system_clock
from .db import Database
from .feedback.store import SqlFeedbackStore
from .ratings import RatingStore, SqlRatingStore
from .tickets.attachments import SqlAttachmentStore
from .tickets.reports import SqlTicketReports
from .tickets.store import SqlTicketStore, TicketStore
from .turns import SqlTurnLog, TurnLog


@dataclass(frozen=True)
class StoreStats:
    decisions: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, int] = field(default_factory=dict)


class DeskStore:
    """The stores of one database. ``DeskStore.from_dsn`` opens (and migrates) it; ``close`` writes what is
    queued and closes it."""

    def __init__(self, db: Database, tickets: TicketStore | None = None, turns: TurnLog | None = None,
                 ratings: RatingStore | None = None, clock: Clock = system_clock) -> None:
        self.db = db
        self.clock = clock
        self.tickets: TicketStore = tickets or SqlTicketStore(db, clock)
        self.reports = SqlTicketReports(db)
        self.attachments: SqlAttachmentStore | None = None  # set by the service, which knows the data folder
        self.turns: TurnLog = turns or SqlTurnLog(db)
        self.ratings: RatingStore = ratings or SqlRatingStore(db)
        self.feedback_items = SqlFeedbackStore(db)  # the feedback collector (desk/feedback)

    @classmethod
    def from_dsn(cls, dsn: str, clock: Clock = system_clock) -> DeskStore:
        return cls(Database.from_dsn(dsn), clock=clock)

    def stats(self) -> StoreStats:
        return StoreStats(decisions=self.turns.decision_counts(), tickets=self.tickets.counts(),
                          feedback=self.ratings.counts())

    def ping(self) -> None:
        self.db.ping()

    def close(self) -> None:
        self.turns.close()
        self.db.close()
