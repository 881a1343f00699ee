"""Entries that compete: an entry whose own questions (held out, or generated variants of its only one) mostly
retrieve another entry first. Such a pair confuses users as much as the ranker; a new entry that overlaps an
existing one is usually a duplicate to merge or needs a word that tells the two apart. `assistant build` warns
about them; the manifest's self-test lists them."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from ..index import Overlap
from ..kb import KnowledgeBase
from .examples import Example

MOSTLY = 0.5  # share of an entry's questions that retrieve the other entry first


def find_overlaps(kb: KnowledgeBase, examples: list[Example], tops: np.ndarray) -> tuple[Overlap, ...]:
    asked: Counter[int] = Counter()
    taken: defaultdict[int, Counter[int]] = defaultdict(Counter)
    for ex, top in zip(examples, tops.tolist(), strict=True):
        if ex.kind not in ("in", "variant"):
            continue
        gold = ex.golds[0]
        asked[gold] += 1
        if top >= 0 and top != gold:
            taken[gold][top] += 1
    out = []
    for gold, others in taken.items():
        other, n = others.most_common(1)[0]
        if asked[gold] >= 2 and n / asked[gold] > MOSTLY:
            out.append(Overlap(kb.entries[gold].id, kb.entries[other].id, n, asked[gold]))
    return tuple(sorted(out, key=lambda o: (-o.retrieved / o.asked, o.entry)))
