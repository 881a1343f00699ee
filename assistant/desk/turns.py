"""The conversation log: every question a user asked and what the bot did with it, written behind the request,
many to a transaction.

Every answered question is logged as a turn. Written one by one, each is a transaction with its own disk flush,
and on SQLite the request threads queue for the one write lock: under load that, not the model, capped the
service (32 clients: a third of the requests' time went to waiting for the lock). Here a request only queues its
turn; one background thread commits everything queued so far in one transaction (group commit). Readers flush
first, so a read sees every turn recorded before it. A turn still queued when the process is killed is lost
(milliseconds' worth); tickets, which must survive, are never written this way.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import func, insert, select

from ..errors import StoreUnavailable
from .db import Database
from .tables import TurnRow, as_utc, utcnow

log = logging.getLogger("assistant.desk")


@dataclass(frozen=True)
class TurnChoice:
    """A question a clarify turn offered (您是不是想问)."""

    id: str
    question: str


@dataclass(frozen=True)
class NewTurn:
    session_id: str
    question: str
    decision: str
    confidence: float
    answer: str
    entry_id: str | None = None
    channel: str = "web"
    at: dt.datetime | None = None  # when asked (set on recording; the write itself may come a little later)
    intent: str | None = None
    emotion: str | None = None
    context: str | None = None
    choices: tuple[TurnChoice, ...] = ()


@dataclass(frozen=True)
class Turn:
    at: dt.datetime
    question: str
    decision: str
    confidence: float
    entry_id: str | None
    answer: str
    intent: str | None = None
    emotion: str | None = None
    context: str | None = None
    choices: tuple[TurnChoice, ...] = ()


class TurnLog(Protocol):
    def record_turn(self, turn: NewTurn) -> None: ...

    def conversations(self, session_ids: Collection[str]) -> dict[str, list[Turn]]:
        """Each session's turns, oldest first (every turn recorded before the call included)."""
        ...

    def recent(self, session_id: str, since: dt.datetime, limit: int) -> list[Turn]:
        """The session's last turns since a time, oldest first, without waiting for queued writes (this
        process's queued turns are included)."""
        ...

    def recent_many(self, session_ids: Collection[str], since: dt.datetime, limit: int) -> dict[str, list[Turn]]:
        """``recent`` for several sessions at once."""
        ...

    def decision_counts(self) -> dict[str, int]: ...

    def flush(self) -> None:
        """Wait until every turn recorded so far is written (for readers of the tables themselves)."""
        ...

    def close(self) -> None: ...


class TurnWriter:
    def __init__(self, write: Callable[[list[NewTurn]], None], max_pending: int = 10_000,
                 retry_seconds: float = 1.0) -> None:
        self._write = write
        self.max_pending = max_pending
        self.retry_seconds = retry_seconds
        self._pending: list[NewTurn] = []
        self._writing: list[NewTurn] = []  # taken by the writer, not yet committed
        self._cond = threading.Condition()
        self._queued = 0  # turns ever queued
        self._done = 0  # turns ever written (in queue order)
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, turn: NewTurn) -> None:
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the ticket store is closed")
            while len(self._pending) >= self.max_pending:  # the database is stuck: slow the askers down
                self._cond.wait(0.1)
            self._pending.append(turn)
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="turn-writer", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def pending(self) -> list[NewTurn]:
        """Turns queued or being written, not yet committed (a copy)."""
        with self._cond:
            return self._writing + self._pending

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every turn queued before this call is written."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._queued
            while self._done < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreUnavailable("conversation turns could not be written (the database is unavailable)")
                self._cond.wait(left)

    def close(self, timeout: float = 10.0) -> None:
        try:
            self.flush(timeout)
        except StoreUnavailable as exc:
            log.error("%s; %d turns not written", exc, self._queued - self._done)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed and not self._pending:
                    return
                batch, self._pending = self._pending, []
                self._writing = batch
            try:
                self._write(batch)
            except Exception as exc:  # keep them, in order, and try again: a turn log must not vanish quietly
                log.error("writing %d conversation turns failed (%s); retrying", len(batch), exc)
                with self._cond:
                    self._pending[:0] = batch
                    self._writing = []
                    if self._closed:
                        return
                time.sleep(self.retry_seconds)
                continue
            with self._cond:
                self._done += len(batch)
                self._writing = []
                self._cond.notify_all()


class SqlTurnLog:
    """TurnLog on the help desk's database, written through a TurnWriter."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writer = TurnWriter(self._write)

    def record_turn(self, turn: NewTurn) -> None:
        """Queued and written in the background with others; readers below flush first."""
        self._writer.add(replace(turn, at=turn.at or utcnow()))

    def flush(self) -> None:
        self._writer.flush()

    def _write(self, turns: list[NewTurn]) -> None:
        # one multi-row INSERT, without the ORM's per-object bookkeeping (which cost more than the answer's SQL)
        with self.db.session(write=True) as session:
            session.execute(insert(TurnRow), [
                {"session_id": t.session_id, "at": t.at, "channel": t.channel, "question": t.question,
                 "decision": t.decision, "confidence": t.confidence, "entry_id": t.entry_id, "answer": t.answer,
                 "intent": t.intent, "emotion": t.emotion, "context": t.context,
                 "choices": [{"id": c.id, "question": c.question} for c in t.choices] or None}
                for t in turns])

    def conversations(self, session_ids: Collection[str]) -> dict[str, list[Turn]]:
        out: dict[str, list[Turn]] = {s: [] for s in session_ids}
        if not out:
            return out
        self._writer.flush()
        query = select(TurnRow).where(TurnRow.session_id.in_(list(out))).order_by(TurnRow.id)
        with self.db.session() as session:
            for row in session.scalars(query):
                out[row.session_id].append(_turn(row))
        return out

    def recent(self, session_id: str, since: dt.datetime, limit: int) -> list[Turn]:
        return self.recent_many([session_id], since, limit)[session_id]

    def recent_many(self, session_ids: Collection[str], since: dt.datetime, limit: int) -> dict[str, list[Turn]]:
        out: dict[str, list[Turn]] = {s: [] for s in session_ids}
        if not out:
            return out
        queued = [t for t in self._writer.pending() if t.session_id in out]
        # one query for a batch of sessions. Their turns since the time, newest first, a few times the limit in
        # all; should that cut a session short (another sent hundreds of messages), each session's last turns by
        # row_number instead (twice as slow for a lone session on SQLite: 0.8 against 0.4 ms).
        where = (TurnRow.session_id.in_(list(out)), TurnRow.at >= since)
        cap = 4 * limit * len(out)
        with self.db.session() as session:
            rows = list(session.scalars(select(TurnRow).where(*where).order_by(TurnRow.id.desc()).limit(cap)))
            if len(rows) == cap:
                place = func.row_number().over(partition_by=TurnRow.session_id,
                                               order_by=TurnRow.id.desc()).label("place")
                last = select(TurnRow.id, place).where(*where).subquery()
                rows = list(session.scalars(select(TurnRow).join(last, TurnRow.id == last.c.id)
                                            .where(last.c.place <= limit).order_by(TurnRow.id.desc())))
        for row in reversed(rows):
            out[row.session_id].append(_turn(row))
        for t in queued:
            written = out[t.session_id]
            if (t.at is None or t.at >= since) and not any((w.at, w.question) == (t.at, t.question) for w in written):
                written.append(Turn(at=t.at or utcnow(), question=t.question, decision=t.decision,
                                    confidence=t.confidence, entry_id=t.entry_id, answer=t.answer, intent=t.intent,
                                    emotion=t.emotion, context=t.context, choices=t.choices))
        return {s: turns[-limit:] for s, turns in out.items()}

    def decision_counts(self) -> dict[str, int]:
        self._writer.flush()
        with self.db.session() as session:
            rows = session.execute(select(TurnRow.decision, func.count()).group_by(TurnRow.decision)).all()
        return {str(d): int(n) for d, n in rows}

    def close(self) -> None:
        self._writer.close()


def _turn(row: TurnRow) -> Turn:
    return Turn(at=as_utc(row.at), question=row.question, decision=row.decision, confidence=row.confidence,
                entry_id=row.entry_id, answer=row.answer, intent=row.intent, emotion=row.emotion, context=row.context,
                choices=tuple(TurnChoice(str(c["id"]), str(c["question"])) for c in row.choices or ()))
