"""Per-candidate evidence, one named column each: the dense leg (best question, best two, rank, centroid, nearest
neighbours' votes), the lexical leg (BM25, word coverage, keywords, character bigrams, the entry's TF-IDF document)
and polarity conflicts (开通 against 关闭). The ranker and calibrator (rank.py) read columns by name.

At build time some questions are held out (leave-one-out calibration, build/calibrate.py): the features are then
computed as if those questions were not in the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from ..index import IndexData
from ..text import JiebaSegmenter
from .entry_docs import EntryDocs, char_terms, spans
from .query import Query


class F(IntEnum):
    """The feature columns."""

    dense_max = 0
    dense_top2 = 1
    dense_gap = 2
    dense_rrank = 3
    lex_norm = 4
    lex_rrank = 5
    coverage = 6
    keyword = 7
    polarity_conflict = 8
    knn_votes = 9
    char_overlap = 10
    doc_cos = 11
    knn_soft = 12
    centroid = 13


FEATURES = tuple(f.name for f in F)
# The ranker's inputs: per-entry evidence that carries over from the KB's own questions (on which the ranker is
# fitted) to real users' wording. Rank-based and near-duplicate features fit the KB's questions too well: with them
# in, ranking on real questions was worse (see the note on issue 5).
RANKER_FEATURES = (
    "doc_cos", "dense_max", "lex_norm", "polarity_conflict", "coverage", "char_overlap", "knn_soft", "centroid",
    "keyword",
)
KNN = 10  # dense hits that vote for their entries
KNN_TEMPERATURE = 0.05  # soft vote: a hit 0.05 less similar than the best counts e times less


def ranker_columns(names: list[str] | tuple[str, ...]) -> np.ndarray:
    """Positions in FEATURES of the named features (a ranker's inputs, as its manifest lists them)."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown ranking features: {', '.join(unknown)}")
    return np.array([FEATURES.index(n) for n in names], dtype=np.int64)


@dataclass(frozen=True)
class Candidates:
    """Candidate entries for one query: entry indices, their features, and the best-matching question."""

    entries: np.ndarray  # int64 (n,)
    features: np.ndarray  # float32 (n, len(FEATURES))
    matched: np.ndarray  # int64 (n,) question index of the best dense match
    timing: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class HeldOut:
    """Build time only: questions scored as if absent from the index, and an entry left out whole."""

    questions: np.ndarray | None = None  # question indices
    entry: int | None = None


@dataclass(frozen=True)
class _Layout:
    offsets: np.ndarray  # first position of each entry's questions
    row: np.ndarray  # per position: the entry's row
    col: np.ndarray  # per position: the column within that row
    flat: np.ndarray  # per position: the question index
    width: int  # most questions of one entry


class EntryFeatures:
    """Computes the feature matrix of a query's candidate entries."""

    def __init__(self, data: IndexData, segmenter: JiebaSegmenter) -> None:
        self.data = data
        self.segmenter = segmenter
        self._counts = np.diff(np.append(data.starts, data.question_count))
        # character bigram -> the questions that have it (index/grams.py): one query's overlap with every question
        # is a bincount
        self._grams = data.question_grams
        self._centroids = unit_rows(np.add.reduceat(data.vectors, data.starts, axis=0))
        self._doc = EntryDocs.build(data.question_grams, data.question_entry, len(data.entries))

    def compute(self, query: Query, vector: np.ndarray, entries: np.ndarray, lex_scores: np.ndarray,
                hits: tuple[np.ndarray, np.ndarray], excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Features of ``entries`` (rows) and each one's best-matching question. ``hits``: the dense hits left
        after the exclusions; ``excluded``: a mask of the held-out questions (all False when serving)."""
        feats, matched = self._features(query, vector, entries, lex_scores, excluded)
        sims, ids = hits
        owners = self.data.question_entry[ids]
        n_entries = len(self.data.entries)
        votes = np.bincount(owners[:KNN], minlength=n_entries) / KNN
        feats[:, F.knn_votes] = votes[entries]
        if len(ids):
            soft = np.exp((sims - sims.max()) / KNN_TEMPERATURE)
            feats[:, F.knn_soft] = (np.bincount(owners, soft, minlength=n_entries) / soft.sum())[entries]
        return feats, matched

    def _keyword_words(self, entry: int) -> frozenset[str]:
        return frozenset(self.segmenter.words(" ".join(self.data.entry_keywords[entry])))

    def _features(
        self, query: Query, vector: np.ndarray, entries: np.ndarray, lex_scores: np.ndarray, excluded: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        feats = np.zeros((len(entries), len(FEATURES)), dtype=np.float32)
        if len(entries) == 0:
            return feats, np.zeros(0, dtype=np.int64)
        layout = self._layout(entries)
        dense_max, top2, matched = self._dense(vector, layout, excluded)
        lex = np.maximum.reduceat(lex_scores[layout.flat], layout.offsets)  # each entry's best question
        lex_max = float(lex_scores.max()) if lex_scores.size else 0.0
        feats[:, F.dense_max] = dense_max
        feats[:, F.dense_top2] = top2
        feats[:, F.dense_gap] = dense_max - dense_max.max()
        feats[:, F.dense_rrank] = 1.0 / (1.0 + np.argsort(np.argsort(-dense_max)))
        feats[:, F.lex_norm] = lex / lex_max if lex_max > 0 else 0.0
        feats[:, F.lex_rrank] = np.where(lex > 0, 1.0 / (1.0 + np.argsort(np.argsort(-lex))), 0.0)
        # leave-one-out (build time): the candidate entries that lost questions
        left_out = np.maximum.reduceat(excluded[layout.flat], layout.offsets)
        self._word_features(query, entries, left_out, excluded, feats)
        if query.bigrams and self._grams.n_grams:
            feats[:, F.char_overlap] = self._bigram_overlap(query.bigrams, layout, excluded)
        terms = char_terms(query.bigrams)
        feats[:, F.doc_cos] = self._doc.cosine(terms, entries)
        feats[:, F.centroid] = self._centroids[entries] @ vector
        for row in np.flatnonzero(left_out).tolist():  # those entries' document and centroid, without them
            start, end = self.data.ranges[int(entries[row])]
            kept = np.flatnonzero(~excluded[start:end]) + start
            kept_terms = [self._grams.question_terms(q) for q in kept.tolist()]
            feats[row, F.doc_cos] = self._doc.cosine_of(terms, kept_terms)
            feats[row, F.centroid] = unit_rows(self.data.vectors[kept].sum(axis=0, keepdims=True))[0] @ vector
        return feats, matched

    def _layout(self, entries: np.ndarray) -> _Layout:
        """The candidate entries' questions laid out as rows of a padded grid (one row per entry), so that the
        per-entry features need no Python loop over entries."""
        counts = self._counts[entries]
        offsets, row, col, flat = spans(self.data.starts[entries], counts)
        return _Layout(offsets=offsets, row=row, col=col, flat=flat, width=int(counts.max()))

    def _bigram_overlap(self, grams: frozenset[str], layout: _Layout, excluded: np.ndarray) -> np.ndarray:
        """Per entry: the largest share of the query's character bigrams that one of its questions has."""
        lists = self._grams.postings(grams)
        offsets, flat = layout.offsets, layout.flat
        if not lists:
            return np.zeros(len(offsets), dtype=np.float32)
        shared = np.bincount(np.concatenate(lists), minlength=self.data.question_count)[flat].astype(np.float32)
        shared[excluded[flat]] = -1.0  # left out (build time): not a match
        return np.maximum(np.maximum.reduceat(shared, offsets), 0.0) / len(grams)

    def _dense(self, vector: np.ndarray, layout: _Layout, excluded: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per candidate entry: best similarity, mean of the best two, and the best question.
        Left-out questions (build time) score -1 and do not count towards the best two."""
        offsets, row, col, flat = layout.offsets, layout.row, layout.col, layout.flat
        sims = self.data.vectors[flat] @ vector
        sims = np.where(excluded[flat], -1.0, sims)
        grid = np.full((len(offsets), layout.width), -np.inf, dtype=sims.dtype)
        grid[row, col] = sims
        matched = flat[offsets + grid.argmax(axis=1)]
        dense_max = np.maximum.reduceat(sims, offsets)
        grid[grid <= -1.0] = -np.inf
        ordered = np.sort(grid, axis=1)
        first = ordered[:, -1]
        second = ordered[:, -2] if ordered.shape[1] > 1 else np.full_like(first, -np.inf)
        n_valid = np.minimum((grid > -np.inf).sum(axis=1), 2)
        top2 = np.where(n_valid == 2, (first + second) / 2, np.where(n_valid == 1, first, -1.0))
        return dense_max, top2, matched

    def _word_features(self, query: Query, entries: np.ndarray, left_out: np.ndarray, excluded: np.ndarray,
                       feats: np.ndarray) -> None:
        """Coverage, keyword and polarity conflict: set operations, per candidate entry."""
        data = self.data
        qwords = set(query.words)
        norm, polarity = query.norm, query.polarity
        for i, e in enumerate(entries.tolist()):
            ewords = data.entry_words[e]
            if data.question_words and left_out[i]:  # leave-one-out: forget the left-out words
                start, end = data.ranges[e]
                kept = [data.question_words[j] for j in range(start, end) if not excluded[j]]
                ewords = frozenset().union(*kept) | self._keyword_words(e)
            if qwords:
                feats[i, F.coverage] = len(qwords & ewords) / len(qwords)
            feats[i, F.keyword] = float(any(k in norm for k in data.entry_keywords[e]))
            if polarity:
                feats[i, F.polarity_conflict] = float(_conflict(polarity, data.entry_polarity[e]))


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (all-zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    out: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return out


def _conflict(query: frozenset[tuple[int, int]], entry: frozenset[tuple[int, int]]) -> bool:
    """The query names one side of a polarity pair and the entry only the other."""
    return any((pair, 1 - side) in entry and (pair, side) not in entry for pair, side in query)
