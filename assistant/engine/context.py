"""Follow-up questions, resolved against the conversation.

「怎么开通直播权限」 then 「那怎么关掉呢」: alone, the second says nothing of live streaming. The
follow-up is asked twice, alone and with the previous real questions before it (acknowledgements such as 好的
skipped; the previous questions' polarity words such as 开通 dropped when the follow-up names a side of the
same pair, so that its own 关掉 decides; before 那要等多久 the topic's 被封 stays, it is what the topic is
about), and the two rankings are combined: each entry scores its log-probability under the contextual ranking
plus half its log-probability alone, so the answer must fit the follow-up's own words as well as the topic. A
message that opens a new topic (另外…, 对了…) is asked alone. Measured on the dialogue tune set
(tests/fixtures/eval/dialogues/tune.jsonl): second-turn top-1 0.595 alone, 0.721 with the context prepended,
0.865 combined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text import POLARITY_PAIRS, polarity_sides
from .rank import Ranked

ALONE_WEIGHT = 0.5
_ACK = re.compile(r"((嗯+|好+的?|好吧|好滴|ok|okay|哦+|噢|行|知道了|明白了?|了解|收到|谢谢|是的|对|"
                  r"你好|您好|hi|hello|哈喽|在吗|在不在|有人吗)[ ,，。.!！?？~]*)+", re.IGNORECASE)
_NEW_TOPIC = re.compile(r"^(另外|对了|还有个?问题|还有一个|顺便问下?|再问一下|换个问题|我还想问|再问个)")
# each pair's phrases, longest first
_POLARITY = [sorted({p for side in pair for p in side}, key=len, reverse=True) for pair in POLARITY_PAIRS]


@dataclass(frozen=True)
class PriorTurn:
    """An earlier message of the same conversation."""

    question: str
    decision: str
    entry_id: str | None = None


@dataclass(frozen=True)
class Reading:
    """A text to rank: a message alone (no ``parts``), or read in its conversation: the contextual text and what it
    is made of (the topic's questions, then the message; context.FollowUps.parts), and whether the model reads
    the contextual text whole when the vector composed of its parts does not give a confident answer."""

    text: str
    parts: tuple[str, ...] = ()
    # a reading in context whose composed vector is unsure is read again by the model, whole (Assistant._rank_fresh)
    reread: bool = False


class FollowUps:
    def __init__(self, max_turns: int = 2) -> None:
        self.max_turns = max_turns

    def contextual(self, question: str, prior: Sequence[PriorTurn]) -> str | None:
        """The question with the conversation's topic before it, or None when it stands alone."""
        parts = self.parts(question, prior)
        return None if parts is None else " ".join(parts)

    def parts(self, question: str, prior: Sequence[PriorTurn]) -> tuple[str, ...] | None:
        """What the contextual text is made of: the topic's questions (without the words of the polarity pairs
        the question names), then the question; None when it stands alone. Dropping every polarity word whatever
        the follow-up said (before 2026-12-06) read 我的号被封了 怎么申诉 as 我的号 了 怎么申诉 before 那要等多久:
        keeping the words the follow-up does not contradict put the right entry first in 2 more of the 351 tune
        dialogues and answered 5 more right (dialogues/tune.jsonl and tune_long.jsonl)."""
        if _NEW_TOPIC.match(question.strip()):
            return None
        # what was said before, but for acknowledgements (嗯, 好的): a short statement (我闺女才13) is context too
        real = [t.question for t in prior if not _ACK.fullmatch(t.question.strip())]
        if not real:
            return None
        pairs = {pair for pair, _ in polarity_sides(question)}
        return (*[_without_polarity(q, pairs) for q in real[-self.max_turns:]], question)

    @staticmethod
    def combine(alone: Ranked, context: Ranked) -> Ranked:
        """The ranking to decide on: whichever of the two puts the combined best entry first (the more confident
        if both do), or else the combined order with the lower of the two confidences. An entry one ranking does
        not list scores there as its last listed one: it may be no better, and it is not known to be worse (one
        point less, before the 43rd session, lost 我個號俾人封咗 點樣申訴 -> 咁要等幾耐 to the follow-up's own first
        entry, 视频审核, which the ranking in context does not list; the dialogue tune sets, 351, score the same
        either way)."""
        scores: dict[int, float] = {}
        la, lc = _log_softmax(alone.scores), _log_softmax(context.scores)
        floor_a, floor_c = (la.min() if len(la) else 0.0), (lc.min() if len(lc) else 0.0)
        pos_a = {int(e): i for i, e in enumerate(alone.entries)}
        pos_c = {int(e): i for i, e in enumerate(context.entries)}
        for e in set(pos_a) | set(pos_c):
            a = la[pos_a[e]] if e in pos_a else floor_a
            c = lc[pos_c[e]] if e in pos_c else floor_c
            scores[e] = ALONE_WEIGHT * a + c
        if not scores:
            return alone
        best = max(scores, key=lambda e: scores[e])
        firsts = [r for r in (context, alone) if len(r.entries) and int(r.entries[0]) == best]
        if firsts:
            return max(firsts, key=lambda r: r.confidence)
        order = sorted(scores, key=lambda e: -scores[e])
        by_entry = {**{int(e): int(m) for e, m in zip(alone.entries, alone.matched, strict=True)},
                    **{int(e): int(m) for e, m in zip(context.entries, context.matched, strict=True)}}
        return Ranked(query=context.query, entries=np.array(order, dtype=np.int64),
                      scores=np.array([scores[e] for e in order]), matched=np.array([by_entry[e] for e in order]),
                      confidence=min(alone.confidence, context.confidence), timing=context.timing,
                      intent=alone.intent)


def compose(texts: Sequence[str], vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The vector of a contextual text, from its parts' vectors: their sum, each weighted by the square root of its
    length, normalised. Running the model on the whole contextual text costs a second, longer model run per
    follow-up: in sessions of 5 ths_faq questions (bench_serve's), 40 characters a question went through the model;
    composed, 16. On the dialogue tune sets (tune.jsonl and tune_long.jsonl, 351 dialogues) composed vectors put
    the right entry first as often (last turn's top-1 0.849 either way; equal weights 0.849, weights by length to
    the power 0.25: 0.846, 0.75: 0.829), but with less confidence: Assistant._rank_fresh reads an unconfident one
    whole (26 characters a question in those sessions)."""
    weights = np.sqrt(np.array([max(len(t), 1) for t in texts], dtype=np.float32))
    out: np.ndarray = (weights[:, None] * np.asarray(vectors, dtype=np.float32)).sum(axis=0)
    norm = float(np.linalg.norm(out))
    return out / norm if norm > 0 else out


def _without_polarity(text: str, pairs: set[int]) -> str:
    """The text without the words of the polarity pairs the follow-up names itself."""
    for phrase in (p for pair in sorted(pairs) for p in _POLARITY[pair]):
        text = text.replace(phrase, " ")
    return " ".join(text.split())


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    if not len(scores):
        return np.zeros(0)
    s = np.asarray(scores, dtype=np.float64) - float(np.max(scores))
    out: np.ndarray = s - np.log(np.exp(s).sum())
    return out
