"""Answer ratings: a user's 有帮助 / 没帮助 on one answer, and the counts the stats report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select

from .db import Database
from .tables import RatingRow, utcnow


@dataclass(frozen=True)
class NewRating:
    session_id: str
    entry_id: str
    helpful: bool
    comment: str | None = None


class RatingStore(Protocol):
    def record_rating(self, rating: NewRating) -> None: ...

    def counts(self) -> dict[str, int]:
        """Ratings as ``helpful`` / ``not_helpful``."""
        ...


class SqlRatingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record_rating(self, rating: NewRating) -> None:
        with self.db.session(write=True) as session:
            session.add(RatingRow(at=utcnow(), session_id=rating.session_id, entry_id=rating.entry_id,
                                  helpful=rating.helpful, comment=rating.comment))

    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            rows = session.execute(select(RatingRow.helpful, func.count()).group_by(RatingRow.helpful)).all()
        return {("helpful" if h else "not_helpful"): int(n) for h, n in rows}
