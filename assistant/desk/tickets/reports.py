"""Figures over the tickets: the recent first-response times a queue's expected wait comes from, and per team
first-response and resolution times, the share of SLAs met and the users' satisfaction (CSAT)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ..db import Database
from ..tables import TicketRow, as_utc
from .models import Ticket
from .store import _ticket


@dataclass(frozen=True)
class TeamFigures:
    tickets: int
    first_response_p50_s: float | None
    first_response_p90_s: float | None
    resolution_p50_s: float | None
    resolution_p90_s: float | None
    sla_met: float | None  # the share of targets met, among those that could be judged
    csat: float | None  # the share of ratings of 4 or 5
    rating_average: float | None
    ratings: int


def csat(ratings: Sequence[int]) -> float | None:
    """CSAT: the share of ratings (1-5) of 4 or 5; None before any rating. The admin stats and the maintainers'
    insights both count it this way."""
    return round(sum(r >= 4 for r in ratings) / len(ratings), 4) if ratings else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered), math.ceil(q * len(ordered))) - 1)], 1)


class SqlTicketReports:
    def __init__(self, db: Database) -> None:
        self.db = db

    def recent_first_responses(self, team: str, since: dt.datetime, limit: int = 50,
                               exclude: int | None = None) -> list[float]:
        """Seconds from creation to the first reply of the team's latest answered tickets (but ``exclude``, a
        ticket transferred after its first reply)."""
        query = (select(TicketRow.created_at, TicketRow.first_response_at)
                 .where(TicketRow.team == team, TicketRow.first_response_at.is_not(None),
                        TicketRow.first_response_at >= since, TicketRow.id != (exclude or 0))
                 .order_by(TicketRow.first_response_at.desc()).limit(limit))
        with self.db.session() as session:
            rows = session.execute(query).all()
        return [(as_utc(f) - as_utc(c)).total_seconds() for c, f in rows if f is not None]

    def tickets_since(self, since: dt.datetime) -> list[Ticket]:
        query = select(TicketRow).where(TicketRow.created_at >= since).order_by(TicketRow.id)
        with self.db.session() as session:
            return [_ticket(row) for row in session.scalars(query)]


def team_figures(tickets: Sequence[Ticket], met: Sequence[bool]) -> TeamFigures:
    first = [(t.first_response_at - t.created_at).total_seconds() for t in tickets if t.first_response_at]
    done = [(t.resolved_at - t.created_at).total_seconds() for t in tickets
            if t.resolved_at and t.status in ("resolved", "closed")]
    ratings = [t.rating for t in tickets if t.rating is not None]
    return TeamFigures(
        tickets=len(tickets), first_response_p50_s=percentile(first, 0.5), first_response_p90_s=percentile(first, 0.9),
        resolution_p50_s=percentile(done, 0.5), resolution_p90_s=percentile(done, 0.9),
        sla_met=round(sum(met) / len(met), 4) if met else None,
        csat=csat(ratings),
        rating_average=round(sum(ratings) / len(ratings), 2) if ratings else None, ratings=len(ratings))
