"""Entries that compete: an entry whose questions' nearest neighbour in the index (itself left out) is mostly
another entry's question. The self-test sees the same thing as failures; here it is reported per pair, with a
suggested merge (most of the questions cross over) or words that tell the two apart, for the maintainers'
console. (`assistant build` warns about a new entry that overlaps another from the self-test: build/overlaps.py.)"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ...index import IndexData

MERGE = 0.6  # this share of an entry's questions nearest to the other entry: suggest merging the two
REPORT = 0.3  # below this share (or fewer than two questions) a pair is not reported


@dataclass(frozen=True)
class Overlap:
    entry_id: str
    other_id: str
    share: float  # of the entry's questions whose nearest question is the other entry's
    questions: tuple[str, ...]
    action: str  # merge, telling_word
    words: tuple[str, ...] = ()  # words of the entry the other does not use (for telling_word)


def overlaps(data: IndexData, report: float = REPORT, merge: float = MERGE) -> list[Overlap]:
    vectors = np.ascontiguousarray(np.asarray(data.vectors, dtype=np.float32))
    if len(vectors) < 2:
        return []
    _, found = data.faiss.search(vectors, 2)
    owner = data.question_entry
    rows = np.arange(len(vectors))
    nearest = np.where(found[:, 0] == rows, found[:, 1], found[:, 0])
    out = []
    for entry in range(len(data.entries)):
        mine = np.flatnonzero(owner == entry)
        others = Counter(int(owner[nearest[q]]) for q in mine if nearest[q] >= 0 and owner[nearest[q]] != entry)
        if not others:
            continue
        other, n = others.most_common(1)[0]
        share = n / len(mine)
        if n < 2 or share < report:
            continue
        crossing = tuple(data.question_texts[q] for q in mine if nearest[q] >= 0 and owner[nearest[q]] == other)
        words = tuple(sorted(data.entry_words[entry] - data.entry_words[other], key=len, reverse=True)[:5])
        out.append(Overlap(data.entries[entry].id, data.entries[other].id, round(share, 3), crossing,
                           "merge" if share >= merge else "telling_word", words))
    return sorted(out, key=lambda o: -o.share)

