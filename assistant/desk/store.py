"""Everything the help desk keeps, on one database: tickets, the conversation log and answer ratings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .db import Database
from .feedback.store import SqlFeedbackStore
from .ratings import RatingStore, SqlRatingStore
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
                 ratings: RatingStore | None = None) -> None:
        self.db = db
        self.tickets: TicketStore = tickets or SqlTicketStore(db)
        self.turns: TurnLog = turns or SqlTurnLog(db)
        self.ratings: RatingStore = ratings or SqlRatingStore(db)
        self.feedback_items = SqlFeedbackStore(db)  # the feedback collector (desk/feedback)

    @classmethod
    def from_dsn(cls, dsn: str) -> DeskStore:
        return cls(Database.from_dsn(dsn))

    def stats(self) -> StoreStats:
        return StoreStats(decisions=self.turns.decision_counts(), tickets=self.tickets.counts(),
                          feedback=self.ratings.counts())

    def ping(self) -> None:
        self.db.ping()

    def close(self) -> None:
        self.turns.close()
        self.db.close()
