"""The gap store on SQLite and PostgreSQL: signals read from the turn log and the ratings exactly once, grouped by
meaning (a deterministic encoder stands in for the model: grouping is the store's job here, the model's part is
measured by scripts/gap_threshold.py and exercised over HTTP), picks recognised, decisions audited."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from assistant.desk import DeskStore
from assistant.desk.learning.insights import insights
from assistant.desk.learning.store import SqlGapStore
from assistant.desk.ratings import NewRating
from assistant.desk.turns import NewTurn
from assistant.errors import GapConflict, GapNotFound

TOPICS = {"草稿": 0, "字幕": 1, "直播": 2}
STANDARD = {"live-apply": "怎么开通直播权限？"}


def encode(texts: list[str]) -> np.ndarray:
    """One direction per topic word, a little text-dependent noise: same topic, same gap."""
    out = np.zeros((len(texts), 8), dtype=np.float32)
    for n, t in enumerate(texts):
        topic = next((i for w, i in TOPICS.items() if w in t), 3 + zlib.crc32(t.encode()) % 5)
        out[n, topic] = 1.0
        out[n, 7] = (zlib.crc32(t.encode()) % 100) / 1000
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def turn(session: str, question: str, decision: str, entry: str | None = None, intent: str = "question") -> NewTurn:
    return NewTurn(session_id=session, question=question, decision=decision, confidence=0.2, answer="",
                   entry_id=entry, intent=intent)


def test_unanswered_questions_are_grouped_once_and_picks_recognised(store: DeskStore) -> None:
    gaps = SqlGapStore(store.db)
    for n, q in enumerate(["草稿不见了怎么恢复", "删掉的草稿还能找回吗", "草稿误删了怎么办"]):
        store.turns.record_turn(turn(f"s{n}", q, "handoff"))
    store.turns.record_turn(turn("s9", "转人工", "handoff", intent="human"))  # a request for a person: no gap
    store.turns.record_turn(turn("p1", "直播权限的事", "clarify"))
    store.turns.record_turn(turn("p1", STANDARD["live-apply"], "answer", "live-apply"))  # the click on a choice
    store.turns.record_turn(turn("r1", "字幕怎么加", "answer", "video-edit"))
    store.turns.conversations(["r1"])  # written
    store.ratings.record_rating(NewRating("r1", "video-edit", helpful=False))
    store.ratings.record_rating(NewRating("r1", "video-edit", helpful=True))
    assert gaps.sync(encode, STANDARD) == 5
    assert gaps.sync(encode, STANDARD) == 0  # read once
    found = {g.items[0].question[:2]: g for g in gaps.gaps()}
    assert found["草稿"].count == 3 and found["草稿"].kinds == {"handoff": 3}
    assert found["直播"].kinds == {"picked": 1} and found["直播"].items[0].entry_id == "live-apply"
    assert found["字幕"].kinds == {"not_helpful": 1} and found["字幕"].items[0].entry_id == "video-edit"
    assert [g.count for g in gaps.gaps()] == [3, 1, 1]  # by volume

    store.turns.record_turn(turn("s5", "草稿箱空了", "handoff"))
    store.turns.conversations(["s5"])
    gaps.sync(encode, STANDARD)
    assert gaps.gap(found["草稿"].id).count == 4  # joins the gap as it arrives

    rest = gaps.decide(found["草稿"].id, "root", "accepted", {"action": "add_similar"}, keep_open={"草稿箱空了"})
    assert rest is not None and [i.question for i in gaps.gap(rest).items] == ["草稿箱空了"]
    assert gaps.gap(found["草稿"].id).count == 3 and gaps.gap(rest).status == "open"
    gaps.decide(rest, "root", "rejected", {})
    with pytest.raises(GapConflict):
        gaps.decide(found["草稿"].id, "root", "rejected", {})
    with pytest.raises(GapNotFound):
        gaps.gap(9999)
    assert {g.id for g in gaps.gaps()} == {found["直播"].id, found["字幕"].id}  # the accepted one is closed
    assert [(e.action, e.actor, e.gap_id) for e in gaps.events()] == [("reject", "root", rest),
                                                                       ("accept", "root", found["草稿"].id)]
    assert gaps.events()[1].detail["kept_open_in"] == rest

    numbers = insights(store.db, gaps)
    assert sum(d.get("handoff", 0) for d in numbers["per_day"]) == 5
    assert numbers["helpfulness"] == [{"entry_id": "video-edit", "helpful": 1, "not_helpful": 1, "rate": 0.5}]
    assert numbers["csat"] == {"rated": 0, "mean": None, "share": None} and numbers["deflection"]["share"] is not None
