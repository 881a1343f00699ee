"""The quality review sample (质检抽检): a reviewer labels a random sample of recent questions with the entry that
answers each (or none), whatever the bot did with it. Gaps only ever hold the questions the bot failed on, so a
calibration that learned from them alone would think the service worse than it is; a random sample of the traffic
shows the build what users really ask and how often the bot is right (scripts/replay.py --reviewed measures it).

Each label is written to the KB's ``tune/reviewed.jsonl`` (the next build learns its ranking and confidence from it)
and audited as a ``review`` event; a question already reviewed is never offered again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ...engine import Assistant
from ...errors import EntryNotFound, ReviewConflict, TurnNotFound
from ...kb.intents import HANDOFF_INTENTS
from ..db import Database
from ..tables import TurnRow, as_utc, utcnow
from ..turns import TurnChoice
from . import kbedit
from .store import SqlGapStore
from .tables import LearningEventRow

REVIEWED = Path("tune") / "reviewed.jsonl"
QUESTION_DECISIONS = ("answer", "clarify", "handoff")  # small talk, feedback and off-domain replies are not sampled
ACTION = "review"


@dataclass(frozen=True)
class Sampled:
    turn_id: int
    at: dt.datetime
    question: str  # as the bot understood it (a follow-up resolved in its conversation)
    decision: str
    confidence: float
    entry_id: str | None  # what the bot answered
    choices: tuple[TurnChoice, ...]  # the bot's answer and what it offered, for the reviewer to pick from


@dataclass(frozen=True)
class ReviewTally:
    reviewed: int
    answered: int  # reviewed questions the bot had answered
    answered_right: int  # ... with the entry the reviewer chose


class ReviewSample:
    def __init__(self, db: Database, gaps: SqlGapStore, kb_dir: Path, teams: tuple[str, ...]) -> None:
        self.db = db
        self.gaps = gaps
        self.kb_dir = kb_dir
        self.teams = teams

    def sample(self, assistant: Assistant, limit: int = 10, days: int = 30) -> list[Sampled]:
        """A random sample of the last ``days``' questions nobody has reviewed yet, one per text."""
        seen = self._reviewed_texts()
        since = utcnow() - dt.timedelta(days=days)
        query = (select(TurnRow).where(TurnRow.at >= since, TurnRow.decision.in_(QUESTION_DECISIONS),
                                       TurnRow.intent.is_(None) | TurnRow.intent.not_in(HANDOFF_INTENTS))
                 .order_by(func.random()).limit(limit * 4))
        with self.db.session() as session:
            rows = list(session.scalars(query))
        entries = {e.id: e.question for e in assistant.data.entries}
        out: list[Sampled] = []
        for row in rows:
            if len(out) >= limit:
                break
            text = _asked(row)
            if text in seen:
                continue
            seen.add(text)
            ids = [row.entry_id] if row.entry_id else []
            ids += [c["id"] for c in row.choices or () if c.get("id")]
            choices = tuple(TurnChoice(i, entries[i]) for i in dict.fromkeys(ids) if i in entries)
            out.append(Sampled(row.id, as_utc(row.at), text, row.decision, row.confidence,
                               row.entry_id if row.decision == "answer" else None, choices))
        return out

    def label(self, assistant: Assistant, turn_id: int, expected: str | None, actor: str) -> dict[str, object]:
        """Record the reviewer's label of one sampled question; returns the audit detail."""
        with self.db.session() as session:
            row = session.get(TurnRow, turn_id)
            if row is None:
                raise TurnNotFound(f"there is no question {turn_id} in the turn log")
            text, decision, bot = _asked(row), row.decision, row.entry_id
        if expected is not None and expected not in {e.id for e in assistant.data.entries}:
            raise EntryNotFound(f"there is no entry {expected!r} in the KB being served")
        if text in self._reviewed_texts():
            raise ReviewConflict(f"question {turn_id} ({text}) was reviewed already")
        edit = kbedit.add_labelled(self.kb_dir, [text], expected, REVIEWED)
        kbedit.apply(self.kb_dir, [edit], self.teams)
        detail: dict[str, object] = {"turn_id": turn_id, "question": text, "expected": expected,
                                     "decision": decision, "bot_entry": bot if decision == "answer" else None}
        self.gaps.audit(actor, ACTION, detail)
        return detail

    def tally(self) -> ReviewTally:
        details = self._details()
        answered = [d for d in details if d.get("decision") == "answer"]
        right = sum(d.get("bot_entry") == d.get("expected") for d in answered)
        return ReviewTally(len(details), len(answered), right)

    def _details(self) -> list[dict[str, object]]:
        with self.db.session() as session:
            return [dict(d) for d in session.scalars(select(LearningEventRow.detail)
                                                     .where(LearningEventRow.action == ACTION))]

    def _reviewed_texts(self) -> set[str]:
        return {str(d.get("question")) for d in self._details()}


def _asked(row: TurnRow) -> str:
    return (row.context or row.question).strip()
