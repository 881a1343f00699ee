"""The maintainers' use cases on gaps: read them with their suggestion and evidence (the tickets agents answered,
the bot's near-ties), and accept (the YAML edited in place and checked), edit then accept, or reject; each action
is audited with the diff it made."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ...engine import Assistant
from ...errors import GapConflict, InvalidQuestion, KbEditRejected
from ..db import Database
from ..tables import TicketRow, as_utc
from . import kbedit
from .store import Gap, GapItem, SqlGapStore
from .suggest import Item, Suggestion, split_labelled, suggest

NEAR_TIE_QUESTIONS = 20  # a gap's questions asked again for near-ties (the bot's clarify list)


@dataclass(frozen=True)
class Proposal:
    """What a maintainer accepts: the suggestion as it is, or as edited in the console."""

    action: str  # add_similar, new_entry, out_of_scope
    entry_id: str | None = None
    questions: tuple[str, ...] = ()
    answer: str | None = None
    team: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class GapView:
    gap: Gap
    suggestion: Suggestion
    diff: str | None  # the KB change the suggestion would make
    problem: str | None = None  # why that change cannot be made as it is


class Learning:
    def __init__(self, store: SqlGapStore, db: Database, kb_dir: Path, teams: Sequence[str]) -> None:
        self.store = store
        self.db = db
        self.kb_dir = kb_dir
        self.teams = tuple(teams)

    def sync(self, assistant: Assistant) -> int:
        standard = {e.id: e.question for e in assistant.data.entries}
        prepare = assistant.retriever.prepare
        return self.store.sync(lambda texts: assistant.embedder.encode([prepare(t).norm for t in texts]), standard)

    def views(self, assistant: Assistant, limit: int = 30) -> list[GapView]:
        self.sync(assistant)
        return [self.view(assistant, g) for g in self.store.gaps("open", limit)]

    def view(self, assistant: Assistant, gap: Gap) -> GapView:
        s = self.suggestion(assistant, gap)
        try:
            edits = self.edits(assistant, gap.id, _proposal(s))
        except KbEditRejected as exc:
            return GapView(gap, s, None, exc.detail)
        return GapView(gap, s, "".join(e.diff(self.kb_dir) for e in edits) or None)

    def suggestion(self, assistant: Assistant, gap: Gap) -> Suggestion:
        tickets = self._tickets(gap.items)
        near = self._near_ties(assistant, gap.items)
        items = [Item(i.question, i.kind, i.entry_id, i.intent, *tickets.get(n, (None, None)), near.get(i.question, ()))
                 for n, i in enumerate(gap.items)]
        entries = assistant.data.entries
        return suggest(items, {e.id: e.answer for e in entries}, {e.id: set(e.questions) for e in entries})

    def _tickets(self, items: Sequence[GapItem]) -> dict[int, tuple[str | None, str | None]]:
        """Per item: the reply and team of the ticket its question opened (same session, asked then or later)."""
        sessions = {i.session_id for i in items if i.session_id}
        if not sessions:
            return {}
        with self.db.session() as session:
            rows = list(session.scalars(select(TicketRow).where(TicketRow.session_id.in_(sessions))
                                        .order_by(TicketRow.id)))
        out: dict[int, tuple[str | None, str | None]] = {}
        for n, item in enumerate(items):
            mine = [r for r in rows if r.session_id == item.session_id and as_utc(r.created_at) >= item.at
                    - dt.timedelta(seconds=5)]
            exact = [r for r in mine if r.question == item.question]
            if exact or mine:
                ticket = (exact or mine)[0]
                out[n] = (ticket.reply, ticket.team)
        return out

    @staticmethod
    def _near_ties(assistant: Assistant, items: Sequence[GapItem]) -> dict[str, tuple[str, ...]]:
        questions = list(dict.fromkeys(i.question for i in items))[:NEAR_TIE_QUESTIONS]
        try:
            replies = assistant.ask_many(questions)
        except InvalidQuestion:
            return {}
        return {q: tuple(a.id for a in r.alternatives) for q, r in zip(questions, replies, strict=True)
                if r.decision == "clarify"}

    def edits(self, assistant: Assistant, gap_id: int, p: Proposal) -> list[kbedit.Edit]:
        today = dt.date.today()
        if p.action == "add_similar":
            if not p.entry_id or not p.questions:
                raise KbEditRejected("say which entry and which questions to add")
            similar, labelled = split_labelled(p.questions)
            edits = [kbedit.add_similar(self.kb_dir, p.entry_id, similar, today, key="learned")]
            return edits + ([kbedit.add_labelled(self.kb_dir, labelled, p.entry_id)] if labelled else [])
        if p.action == "new_entry":
            if not p.questions or not (p.answer or "").strip():
                raise KbEditRejected("a new entry needs a question and an answer")
            new = kbedit.NewEntry(p.entry_id or f"learned-gap-{gap_id}", p.category or _category(assistant, p.team),
                                  p.questions[0], p.questions[1:], p.answer or "", p.team)
            return [kbedit.add_entry(self.kb_dir, new, today)]
        if p.action == "out_of_scope":  # recorded (audited) and closed; the KB stays as it is
            return []
        raise KbEditRejected(f"{p.action!r} cannot be accepted: choose add_similar, new_entry or out_of_scope")

    def accept(self, assistant: Assistant, gap_id: int, actor: str, edited: Proposal | None = None) -> str:
        """Apply the suggestion (or the maintainer's edit of it) to the KB and close the gap; returns the diff.
        Questions an "add as similar questions" left out (they point to another entry, or the entry's answer did
        not help them) stay open in a gap of their own, with their own suggestion."""
        gap = self.store.gap(gap_id)
        if gap.status != "open":
            raise GapConflict(f"gap {gap_id} was {gap.status} already")
        proposal = edited or _proposal(self.suggestion(assistant, gap))
        edits = self.edits(assistant, gap_id, proposal)
        kbedit.apply(self.kb_dir, edits, self.teams)
        diff = "".join(e.diff(self.kb_dir) for e in edits)
        left = {i.question for i in gap.items} - set(proposal.questions) if proposal.action == "add_similar" else ()
        self.store.decide(gap_id, actor, "accepted", {"action": proposal.action, "entry_id": proposal.entry_id,
                                                      "questions": list(proposal.questions), "edited": bool(edited),
                                                      "diff": diff}, keep_open=left)
        return diff

    def reject(self, gap_id: int, actor: str, reason: str | None) -> None:
        self.store.decide(gap_id, actor, "rejected", {"reason": reason or ""})


def _proposal(s: Suggestion) -> Proposal:
    return Proposal(s.action, s.entry_id, s.questions, s.answer, s.team)


def _category(assistant: Assistant, team: str | None) -> str:
    """The category most of the team's entries are in (the KB's first category for no team)."""
    entries = assistant.data.entries
    mine = Counter(e.category for e in entries if team and e.team == team).most_common(1)
    return mine[0][0] if mine else entries[0].category



