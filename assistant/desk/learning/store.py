"""The gaps on the help desk's database. ``sync`` reads the turn log and the ratings from where it stopped, turns
the unanswered questions into signals (signals.py) and groups them into gaps, all in one transaction with its new
read positions, so a question is never counted twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import GapConflict, GapNotFound
from ..db import Database
from ..tables import as_utc, utcnow
from .grouping import JOIN, GapGrouper, Signal
from .signals import read_signals
from .tables import GapItemRow, GapRow, LearningEventRow, LearningStateRow

ACTIONS = {"accepted": "accept", "rejected": "reject"}


@dataclass(frozen=True)
class GapItem:
    question: str
    kind: str
    at: dt.datetime
    session_id: str | None
    entry_id: str | None
    intent: str | None


@dataclass(frozen=True)
class Gap:
    id: int
    status: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    kinds: dict[str, int] = field(default_factory=dict)
    items: tuple[GapItem, ...] = ()


@dataclass(frozen=True)
class LearningEvent:
    id: int
    at: dt.datetime
    actor: str
    action: str
    gap_id: int | None
    detail: dict[str, Any]


class SqlGapStore:
    def __init__(self, db: Database, join: float = JOIN) -> None:
        self.db = db
        self.join = join
        self._lock = threading.Lock()

    def sync(self, encode: Callable[[list[str]], np.ndarray], standard: Mapping[str, str]) -> int:
        """Group what arrived since the last sync; returns the number of new signals. ``encode``: texts to unit
        vectors (the base model); ``standard``: entry id -> standard question (to recognise a clarify pick)."""
        with self._lock, self.db.session(write=True) as session:
            state = {r.name: r.value for r in session.scalars(select(LearningStateRow))}
            signals, positions = read_signals(session, state, standard)
            fresh = self._merge_known(session, signals)
            if fresh:
                self._group(session, fresh, encode([s.question for s in fresh]))
            for name, value in positions.items():
                session.merge(LearningStateRow(name=name, value=value))
            return len(fresh)

    @staticmethod
    def _merge_known(session: Session, signals: Sequence[Signal]) -> list[Signal]:
        """A pick after a clarify already in a gap updates that item; the rest are new."""
        keys = [s.key for s in signals]
        rows = {r.key: r for r in session.scalars(select(GapItemRow).where(GapItemRow.key.in_(keys)))} if keys else {}
        fresh: list[Signal] = []
        for s in signals:
            if s.key in rows:
                rows[s.key].kind, rows[s.key].entry_id = s.kind, s.entry_id
            elif s.key not in {f.key for f in fresh}:
                fresh.append(s)
            else:  # the clarify and its pick in the same read: the pick wins
                fresh = [s if f.key == s.key else f for f in fresh]
        return fresh

    def _group(self, session: Session, signals: list[Signal], vectors: np.ndarray) -> None:
        gaps = list(session.scalars(select(GapRow).where(GapRow.status == "open").order_by(GapRow.id)))
        grouper = GapGrouper([g.centroid for g in gaps], [g.count for g in gaps], self.join,
                             dimension=vectors.shape[1])
        for signal, n in zip(signals, grouper.assign(vectors), strict=True):
            if n == len(gaps):
                gaps.append(GapRow(status="open", centroid=[], count=0, first_seen=signal.at, last_seen=signal.at))
                session.add(gaps[n])
            gap = gaps[n]
            gap.count += 1
            gap.first_seen, gap.last_seen = min(as_utc(gap.first_seen), signal.at), max(as_utc(gap.last_seen),
                                                                                       signal.at)
            gap.centroid = [round(float(x), 6) for x in grouper.centroid(n)]
            session.flush()
            session.add(GapItemRow(gap_id=gap.id, key=signal.key, kind=signal.kind, question=signal.question,
                                   at=signal.at, session_id=signal.session_id, entry_id=signal.entry_id,
                                   intent=signal.intent))

    def gaps(self, status: str = "open", limit: int = 50) -> list[Gap]:
        """The gaps by volume (then the most recent first), each with its questions."""
        query = (select(GapRow).where(GapRow.status == status)
                 .order_by(GapRow.count.desc(), GapRow.last_seen.desc()).limit(limit))
        with self.db.session() as session:
            rows = list(session.scalars(query))
            items = self._items(session, [r.id for r in rows])
        return [_gap(r, items.get(r.id, [])) for r in rows]

    def gap(self, gap_id: int) -> Gap:
        with self.db.session() as session:
            row = session.get(GapRow, gap_id)
            if row is None:
                raise GapNotFound(f"there is no gap {gap_id}")
            return _gap(row, self._items(session, [gap_id]).get(gap_id, []))

    @staticmethod
    def _items(session: Session, ids: list[int]) -> dict[int, list[GapItem]]:
        out: dict[int, list[GapItem]] = {}
        if not ids:
            return out
        for r in session.scalars(select(GapItemRow).where(GapItemRow.gap_id.in_(ids)).order_by(GapItemRow.id)):
            out.setdefault(r.gap_id, []).append(GapItem(r.question, r.kind, as_utc(r.at), r.session_id, r.entry_id,
                                                        r.intent))
        return out

    def decide(self, gap_id: int, actor: str, status: str, detail: dict[str, Any],
               keep_open: Collection[str] = ()) -> int | None:
        """Close an open gap (accepted or rejected) together with its audit event, in one transaction. Its items
        asking one of ``keep_open`` (questions the accepted change left out) move to a new open gap, whose id is
        returned."""
        with self.db.session(write=True) as session:
            row = session.get(GapRow, gap_id, with_for_update=True)
            if row is None:
                raise GapNotFound(f"there is no gap {gap_id}")
            if row.status != "open":
                raise GapConflict(f"gap {gap_id} was {row.status} already")
            row.status, row.decided_at = status, utcnow()
            rest = self._split(session, row, set(keep_open)) if keep_open else None
            if rest is not None:
                detail = {**detail, "kept_open_in": rest}
            session.add(LearningEventRow(at=utcnow(), actor=actor, action=ACTIONS[status], gap_id=gap_id,
                                         detail=detail))
            return rest

    @staticmethod
    def _split(session: Session, gap: GapRow, questions: set[str]) -> int | None:
        items = [i for i in session.scalars(select(GapItemRow).where(GapItemRow.gap_id == gap.id))
                 if i.question in questions]
        if not items:
            return None
        new = GapRow(status="open", centroid=gap.centroid, count=len(items), first_seen=min(i.at for i in items),
                     last_seen=max(i.at for i in items))
        session.add(new)
        session.flush()
        for item in items:
            item.gap_id = new.id
        gap.count -= len(items)
        return new.id

    def audit(self, actor: str, action: str, detail: dict[str, Any], gap_id: int | None = None) -> None:
        with self.db.session(write=True) as session:
            session.add(LearningEventRow(at=utcnow(), actor=actor, action=action, gap_id=gap_id, detail=detail))

    def events(self, limit: int = 50) -> list[LearningEvent]:
        query = select(LearningEventRow).order_by(LearningEventRow.id.desc()).limit(limit)
        with self.db.session() as session:
            return [LearningEvent(r.id, as_utc(r.at), r.actor, r.action, r.gap_id, dict(r.detail))
                    for r in session.scalars(query)]


def _gap(row: GapRow, items: list[GapItem]) -> Gap:
    return Gap(row.id, row.status, row.count, as_utc(row.first_seen), as_utc(row.last_seen),
               dict(Counter(i.kind for i in items)), tuple(items))
