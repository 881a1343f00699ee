"""Unanswered questions, read from the turn log and the ratings from the miner's last positions.

* a turn handed off (an ordinary question: not a request for a person, small talk or a safety word);
* a clarify turn; if the session's next turn is the widget asking one of the offered entries (a click on a choice
  asks that entry's standard question), the clarify becomes a pick of that entry (same key: the item is updated);
* an answer rated 没帮助: the session's last turn answered with that entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import RatingRow, TurnRow, as_utc
from .grouping import Signal

HANDED = ("question", None)  # intents whose handoff is a gap (not 转人工, safety, legal, small talk)


def read_signals(session: Session, state: Mapping[str, int],
                 standard: Mapping[str, str]) -> tuple[list[Signal], dict[str, int]]:
    turns = list(session.scalars(select(TurnRow).where(TurnRow.id > state.get("turn", 0)).order_by(TurnRow.id)))
    ratings = list(session.scalars(select(RatingRow).where(RatingRow.id > state.get("rating", 0))
                                   .order_by(RatingRow.id)))
    out: list[Signal] = []
    for turn in turns:
        signal = _turn_signal(session, turn, standard)
        if signal is not None:
            out.append(signal)
    for rating in ratings:
        if not rating.helpful:
            signal = _rating_signal(session, rating)
            if signal is not None:
                out.append(signal)
    positions = {"turn": turns[-1].id if turns else state.get("turn", 0),
                 "rating": ratings[-1].id if ratings else state.get("rating", 0)}
    return out, positions


def _turn_signal(session: Session, turn: TurnRow, standard: Mapping[str, str]) -> Signal | None:
    at = as_utc(turn.at)
    if turn.decision == "handoff" and turn.intent in HANDED:
        return Signal(f"turn:{turn.id}", "handoff", turn.question, at, turn.session_id, None, turn.intent)
    if turn.decision == "clarify":
        return Signal(f"turn:{turn.id}", "clarify", turn.question, at, turn.session_id, None, turn.intent)
    if turn.decision == "answer" and turn.entry_id and standard.get(turn.entry_id) == turn.question.strip():
        before = session.scalars(select(TurnRow).where(TurnRow.session_id == turn.session_id, TurnRow.id < turn.id)
                                 .order_by(TurnRow.id.desc()).limit(1)).first()
        if before is not None and before.decision == "clarify":
            return Signal(f"turn:{before.id}", "picked", before.question, as_utc(before.at), before.session_id,
                          turn.entry_id, before.intent)
    return None


def _rating_signal(session: Session, rating: RatingRow) -> Signal | None:
    turn = session.scalars(select(TurnRow).where(TurnRow.session_id == rating.session_id,
                                                 TurnRow.entry_id == rating.entry_id)
                           .order_by(TurnRow.id.desc()).limit(1)).first()
    if turn is None:
        return None
    return Signal(f"rating:{rating.id}", "not_helpful", turn.question, as_utc(rating.at), rating.session_id,
                  rating.entry_id, turn.intent)
