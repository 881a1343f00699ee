"""Which topic a new item joins: items that ask for the same thing, as they arrive.

The rule, measured on the labelled set's tune part (pairwise precision and recall of "same topic",
``assistant eval --topics``; ``scripts/feedback_cv.py --grouping`` on the KB's 535 examples with topics, with
held-out category and area: same category and area, lexical weight 1: P 0.33 R 0.41; same category, 0.25: P 0.40
R 0.48; any topic: worse): a topic is a candidate when it has the item's category (the predicted area often
differs between two messages about one thing: 私信 read receipts are messages or privacy); the item
joins the candidate whose members it is most like on average, when that likeness reaches ``SAME_TOPIC``, else it
starts a topic. Likeness = cosine of the model's vectors centred on the feedback examples' mean (the raw vectors
of short Chinese messages all sit close together: without centring 90% of the pairs score above 0.8) plus the
Jaccard overlap of character bigrams (两分钟就撤不回 and 撤回时间改长 share the words that name the feature)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

SAME_TOPIC = 0.35
LEXICAL_WEIGHT = 0.25
MEMBERS = 50  # a topic's latest members compared with a new item
TITLE_CHARS = 30
_SPACE = re.compile(r"\s+")


def bigrams(text: str) -> frozenset[str]:
    t = _SPACE.sub("", text)
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def likeness(vector: np.ndarray, text: str, members: Sequence[tuple[Sequence[float], str]]) -> float:
    """The mean likeness of an item to a topic's members (vectors already centred and of unit length)."""
    if not members:
        return 0.0
    mine = bigrams(text)
    cos = np.asarray([m[0] for m in members], dtype=np.float64) @ np.asarray(vector, dtype=np.float64)
    lexical = [len(mine & (b := bigrams(m[1]))) / max(len(mine | b), 1) for m in members]
    return float(np.mean(cos + LEXICAL_WEIGHT * np.asarray(lexical)))


def best_topic(vector: np.ndarray, text: str, candidates: dict[int, list[tuple[Sequence[float], str]]]
               ) -> int | None:
    """The candidate topic the item joins, or None (a new topic)."""
    scored = {t: likeness(vector, text, members) for t, members in candidates.items()}
    best = max(scored, key=lambda t: scored[t], default=None)
    return best if best is not None and scored[best] >= SAME_TOPIC else None


def title_of(text: str) -> str:
    """A topic's short title: its first message, on one line, cut at a sentence end or TITLE_CHARS."""
    line = _SPACE.sub(" ", text).strip()
    cut = re.split(r"[。！？!?]", line)[0].strip() or line
    return cut if len(cut) <= TITLE_CHARS else cut[: TITLE_CHARS - 1] + "…"


def centred(vector: np.ndarray, centre: np.ndarray | None) -> tuple[float, ...]:
    v = np.asarray(vector, dtype=np.float64) - (centre if centre is not None else 0.0)
    n = float(np.linalg.norm(v))
    return tuple(round(float(x), 5) for x in (v / n if n > 0 else v))


def pairwise(assigned: Sequence[int], gold: Sequence[str]) -> tuple[float, float]:
    """Pairwise precision and recall of "same topic"."""
    tp = fp = fn = 0
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            same, put = gold[i] == gold[j], assigned[i] == assigned[j]
            tp += same and put
            fp += put and not same
            fn += same and not put
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)
