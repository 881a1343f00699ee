"""Entries that compete: an entry whose questions' nearest neighbour in the index (itself left out) is mostly
another entry's question. The self-test sees the same thing as failures; here it is reported per pair, with a
suggested merge (most of the questions cross over) or words that tell the two apart."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import index as index_mod
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


def previous_entry_ids(root: Path) -> set[str] | None:
    """The entry ids of the published version under ``root`` (None without one): what counts as new."""
    now = index_mod.current(root)
    path = now / "entries.json" if now is not None else None
    if path is None or not path.is_file():
        return None
    return {e["id"] for e in json.loads(path.read_text(encoding="utf-8"))}


def new_entry_warnings(data: IndexData, before: set[str] | None) -> list[str]:
    """A new entry whose questions mostly retrieve another one will rarely be answered: say so at build time."""
    if before is None:
        return []
    return [f"new entry {o.entry_id}: {o.share:.0%} of its questions are nearest to {o.other_id}'s "
            f"({'merge them' if o.action == 'merge' else 'add a telling word: ' + ' '.join(o.words)})"
            for o in overlaps(data, report=0.5) if o.entry_id not in before]
