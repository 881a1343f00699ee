"""The maintainers' dashboard numbers, one query per figure on the help desk's database: questions per day by
decision, deflection (sessions that ended without a ticket) and its trend, top questions, top gaps, helpfulness
per entry, hand-offs per team, and CSAT when tickets carry a satisfaction score."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..tables import RatingRow, TicketRow, TurnRow, utcnow
from ..tickets.reports import csat
from .store import SqlGapStore


def insights(db: Database, gaps: SqlGapStore, days: int = 30, top: int = 10) -> dict[str, Any]:
    since = utcnow() - dt.timedelta(days=days)
    with db.session() as session:
        per_day = _per_day(session, since)
        tickets_day = _count_by_day(session, TicketRow.created_at, since)
        sessions_day = {str(d): int(n) for d, n in session.execute(
            select(func.date(TurnRow.at), func.count(func.distinct(TurnRow.session_id)))
            .where(TurnRow.at >= since).group_by(func.date(TurnRow.at))).all()}
        out = {
            "days": days,
            "per_day": per_day,
            "deflection": _deflection(sessions_day, tickets_day),
            "top_questions": _top_questions(session, since, top),
            "helpfulness": _helpfulness(session),
            "handoffs_per_team": {str(t): int(n) for t, n in session.execute(
                select(TicketRow.team, func.count()).where(TicketRow.created_at >= since)
                .group_by(TicketRow.team).order_by(func.count().desc())).all()},
            "csat": _csat(session, since),
        }
    out["top_gaps"] = [{"id": g.id, "count": g.count, "sample": g.items[0].question if g.items else "",
                        "last_seen": g.last_seen.isoformat()} for g in gaps.gaps("open", top)]
    return out


def _per_day(session: Session, since: dt.datetime) -> list[dict[str, Any]]:
    rows = session.execute(select(func.date(TurnRow.at), TurnRow.decision, func.count())
                           .where(TurnRow.at >= since).group_by(func.date(TurnRow.at), TurnRow.decision)).all()
    days: dict[str, dict[str, int]] = defaultdict(dict)
    for day, decision, n in rows:
        days[str(day)][str(decision)] = int(n)
    return [{"day": d, **days[d]} for d in sorted(days)]


def _count_by_day(session: Session, column: Any, since: dt.datetime) -> dict[str, int]:
    return {str(d): int(n) for d, n in session.execute(
        select(func.date(column), func.count()).where(column >= since).group_by(func.date(column))).all()}


def _deflection(sessions: dict[str, int], tickets: dict[str, int]) -> dict[str, Any]:
    """Per day, the share of sessions that needed no ticket; the trend compares the last 7 days with the 7
    before (in points)."""
    daily = [{"day": d, "sessions": n, "tickets": tickets.get(d, 0),
              "share": round(max(0.0, 1 - tickets.get(d, 0) / n), 4) if n else None}
             for d, n in sorted(sessions.items())]

    def share(rows: list[dict[str, Any]]) -> float | None:
        n = sum(r["sessions"] for r in rows)
        return round(max(0.0, 1 - sum(r["tickets"] for r in rows) / n), 4) if n else None

    last, before = share(daily[-7:]), share(daily[-14:-7])
    return {"share": share(daily), "daily": daily, "last_7": last, "previous_7": before,
            "trend": round(last - before, 4) if last is not None and before is not None else None}


def _top_questions(session: Session, since: dt.datetime, top: int) -> list[dict[str, Any]]:
    rows = session.execute(select(TurnRow.question, TurnRow.decision).where(
        TurnRow.at >= since, TurnRow.intent.in_(("question", None)))).all()
    counts = Counter(" ".join(q.split()) for q, _ in rows)
    decisions: dict[str, Counter[str]] = defaultdict(Counter)
    for q, d in rows:
        decisions[" ".join(q.split())][d] += 1
    return [{"question": q, "count": n, "decisions": dict(decisions[q])} for q, n in counts.most_common(top)]


def _helpfulness(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(RatingRow.entry_id, RatingRow.helpful, func.count())
                           .group_by(RatingRow.entry_id, RatingRow.helpful)).all()
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"helpful": 0, "not_helpful": 0})
    for entry, helpful, n in rows:
        per[str(entry)]["helpful" if helpful else "not_helpful"] += int(n)
    out = [{"entry_id": e, **c, "rate": round(c["helpful"] / (c["helpful"] + c["not_helpful"]), 4)}
           for e, c in per.items()]
    return sorted(out, key=lambda r: (r["rate"], -(r["helpful"] + r["not_helpful"])))


def _csat(session: Session, since: dt.datetime) -> dict[str, Any]:
    """Tickets rated since then: how many, the mean score (1-5), and CSAT as the admin stats count it; the last
    two None before any rating."""
    ratings = [int(r) for r in session.scalars(
        select(TicketRow.rating).where(TicketRow.created_at >= since, TicketRow.rating.is_not(None))) if r is not None]
    return {"rated": len(ratings), "mean": round(sum(ratings) / len(ratings), 3) if ratings else None,
            "share": csat(ratings)}
