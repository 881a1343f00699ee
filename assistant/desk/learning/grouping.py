"""Unanswered questions grouped by meaning as they arrive: a question joins the gap whose first question is
nearest if the cosine reaches ``JOIN``, otherwise it opens a new gap (leader clustering).

The vectors are the base model's (not the index's adapter, which changes with every build), so a gap stays
comparable across index versions. Measured by scripts/gap_threshold.py on the tune part of ths_faq dev (one narrow
domain: a hard case), a gap centred on the running mean of its questions drifted into blobs (at 0.86: pair
precision 0.09, recall 0.57); centred on its first question at 0.88: pair precision 0.37, recall 0.36, 3.2 gaps
per entry. A topic split in two is two suggestions; two topics merged is a wrong one, so precision wins. An accepted
suggestion leaves the questions it did not cover open in a gap of their own (store.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

JOIN = 0.88
DRIFT = False
KINDS = ("handoff", "clarify", "picked", "not_helpful")


@dataclass(frozen=True)
class Signal:
    """One question the bot did not answer well: handed off, clarified without a pick, clarified and picked
    (``entry_id`` the pick), or answered and rated 没帮助 (``entry_id`` the answer rated)."""

    key: str
    kind: str
    question: str
    at: dt.datetime
    session_id: str | None = None
    entry_id: str | None = None
    intent: str | None = None


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class GapGrouper:
    """Assigns vectors to gaps, online: ``assign`` returns the gap index of each vector (new gaps appended),
    updating the centroids and counts it holds."""

    def __init__(self, centroids: Sequence[Sequence[float]], counts: Sequence[int], join: float = JOIN,
                 dimension: int | None = None, drift: bool = DRIFT) -> None:
        if not 0 < join < 1:
            raise ValueError(f"join threshold {join} must be between 0 and 1")
        self.join = join
        self.drift = drift  # False: a gap stays at its first question (leader clustering)
        dim = len(centroids[0]) if centroids else (dimension or 0)
        weights = np.asarray(counts, np.float32)[:, None] if drift else np.ones((len(counts), 1), np.float32)
        self.sums = np.asarray(centroids, dtype=np.float32).reshape(-1, dim) * weights
        self.counts = list(counts)

    def centroid(self, i: int) -> np.ndarray:
        v = self.sums[i]
        return np.asarray(v / max(float(np.linalg.norm(v)), 1e-12), dtype=np.float32)

    def assign(self, vectors: np.ndarray) -> list[int]:
        out = []
        for v in unit(np.atleast_2d(vectors)):
            best = -1
            if self.counts:
                sims = unit(self.sums) @ v
                top = int(np.argmax(sims))
                best = top if sims[top] >= self.join else -1
            if best < 0:
                self.sums = np.vstack([self.sums.reshape(-1, len(v)), v[None, :]])
                self.counts.append(0)
                best = len(self.counts) - 1
            if self.drift or not self.counts[best]:
                self.sums[best] += v
            self.counts[best] += 1
            out.append(best)
        return out


def group(texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], join: float = JOIN) -> list[int]:
    """The gap of each text, grouping from nothing in the order given (the replay and the threshold measure)."""
    if not texts:
        return []
    vectors = encode(list(texts))
    return GapGrouper([], [], join, dimension=vectors.shape[1]).assign(vectors)
