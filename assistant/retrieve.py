"""Dense + lexical retrieval, scored per KB entry.

An entry is as good as its best-matching question, so both legs are reduced per entry with a max. Each
candidate entry gets a small feature vector; the ranker in confidence.py turns it into one score.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .index import IndexData
from .text import JiebaSegmenter, Normalizer, PinyinTransliterator, bigrams, polarity_sides

FEATURES = (
    "dense_max", "dense_top2", "dense_gap", "dense_rrank", "lex_norm", "lex_rrank", "coverage", "keyword",
    "polarity_conflict", "knn_votes", "char_overlap",
)
KNN = 10  # dense hits that vote for their entries

@dataclass(frozen=True)
class Query:
    text: str
    norm: str
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    polarity: frozenset[tuple[int, int]]
    bigrams: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidates:
    """Candidate entries for one query: entry indices, their features, and the best-matching question."""

    entries: np.ndarray  # int64 (n,)
    features: np.ndarray  # float32 (n, len(FEATURES))
    matched: np.ndarray  # int64 (n,) question index of the best dense match
    timing: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(self, data: IndexData, normalizer: Normalizer, segmenter: JiebaSegmenter, candidates: int = 30):
        self.data = data
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.n_candidates = candidates
        self.transliterate = PinyinTransliterator(data.pinyin)
        self.dense_k = min(max(4 * candidates, 64), data.question_count)

    def prepare(self, text: str) -> Query:
        norm = self.transliterate(self.normalizer.normalize(text))
        lexical = self.normalizer.drop_fillers(norm)
        words = self.segmenter.words(lexical)
        return Query(
            text=text, norm=norm, words=tuple(words), tokens=tuple(self.segmenter.tokens(lexical)),
            polarity=polarity_sides(norm), bigrams=bigrams(lexical),
        )

    def dense_search(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """FAISS top-k question hits for a batch of query vectors."""
        sims, ids = self.data.faiss.search(np.ascontiguousarray(vectors, dtype=np.float32), self.dense_k)
        return sims, ids

    def lexical_scores(self, query: Query) -> np.ndarray:
        if not query.tokens:
            return np.zeros(self.data.question_count, dtype=np.float32)
        return np.asarray(self.data.bm25.get_scores(list(query.tokens)), dtype=np.float32)

    def candidates(
        self,
        query: Query,
        vector: np.ndarray,
        hits: tuple[np.ndarray, np.ndarray] | None = None,
        lexical: np.ndarray | None = None,
        exclude_questions: np.ndarray | None = None,
        exclude_entry: int | None = None,
    ) -> Candidates:
        """Score candidate entries. The exclusions serve leave-one-out calibration at build time."""
        data = self.data
        t0 = time.perf_counter()
        if hits is None:
            sims, ids = self.dense_search(vector[None, :])
            hits = (sims[0], ids[0])
        t1 = time.perf_counter()
        lex = self.lexical_scores(query) if lexical is None else lexical
        excluded = np.zeros(data.question_count, dtype=bool)
        if exclude_questions is not None:
            excluded[exclude_questions] = True
        if exclude_entry is not None:
            s, e = data.ranges[exclude_entry]
            excluded[s:e] = True
        if excluded.any():
            lex = np.where(excluded, 0.0, lex)
        lex_entry = np.maximum.reduceat(lex, data.starts) if lex.size else lex
        t2 = time.perf_counter()

        ids = hits[1][(hits[1] >= 0)]
        ids = ids[~excluded[ids]]
        dense_entries = list(dict.fromkeys(data.question_entry[ids].tolist()))[: self.n_candidates]
        n_lex = max(self.n_candidates // 3, 3)
        best_lex = np.argpartition(-lex_entry, min(n_lex, len(lex_entry) - 1))[:n_lex]
        top_lex = [int(i) for i in best_lex if lex_entry[i] > 0]
        entries = np.array(list(dict.fromkeys(dense_entries + top_lex)), dtype=np.int64)
        if exclude_entry is not None:
            entries = entries[entries != exclude_entry]
        votes = np.bincount(data.question_entry[ids[:KNN]], minlength=len(data.entries)) / KNN
        feats, matched = self._features(query, vector, entries, lex_entry, excluded)
        feats[:, 9] = votes[entries]
        t3 = time.perf_counter()
        timing = {"dense_ms": (t1 - t0) * 1e3, "lexical_ms": (t2 - t1) * 1e3, "features_ms": (t3 - t2) * 1e3}
        return Candidates(entries=entries, features=feats, matched=matched, timing=timing)

    def _keyword_words(self, entry: int) -> frozenset[str]:
        return frozenset(self.segmenter.words(" ".join(self.data.entry_keywords[entry])))

    def _features(
        self, query: Query, vector: np.ndarray, entries: np.ndarray, lex_entry: np.ndarray, excluded: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        data = self.data
        n = len(entries)
        feats = np.zeros((n, len(FEATURES)), dtype=np.float32)
        matched = np.zeros(n, dtype=np.int64)
        if n == 0:
            return feats, matched
        rows = [np.arange(*data.ranges[e]) for e in entries]
        lengths = np.array([len(r) for r in rows])
        flat = np.concatenate(rows)
        sims = data.vectors[flat] @ vector
        sims = np.where(excluded[flat], -1.0, sims)
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        dense_max = np.maximum.reduceat(sims, offsets)
        for i, (off, ln) in enumerate(zip(offsets, lengths, strict=True)):
            seg = sims[off : off + ln]
            best = int(np.argmax(seg))
            matched[i] = flat[off + best]
            top2 = np.sort(seg[seg > -1.0])[-2:]
            feats[i, 1] = top2.mean() if top2.size else -1.0
        lex = lex_entry[entries]
        lex_max = float(lex_entry.max()) if lex_entry.size else 0.0
        feats[:, 0] = dense_max
        feats[:, 2] = dense_max - dense_max.max()
        feats[:, 3] = 1.0 / (1.0 + np.argsort(np.argsort(-dense_max)))
        feats[:, 4] = lex / lex_max if lex_max > 0 else 0.0
        feats[:, 5] = np.where(lex > 0, 1.0 / (1.0 + np.argsort(np.argsort(-lex))), 0.0)
        qwords = set(query.words)
        for i, e in enumerate(entries):
            ewords = data.entry_words[e]
            start, end = data.ranges[e]
            if data.question_words and excluded[start:end].any():  # leave-one-out: forget the left-out words
                kept = [data.question_words[j] for j in range(start, end) if not excluded[j]]
                ewords = frozenset().union(*kept) | self._keyword_words(e)
            if qwords:
                feats[i, 6] = len(qwords & ewords) / len(qwords)
            feats[i, 7] = float(any(k in query.norm for k in data.entry_keywords[e]))
            feats[i, 8] = float(_conflict(query.polarity, data.entry_polarity[e]))
            if query.bigrams:
                feats[i, 10] = max(len(query.bigrams & data.question_bigrams[j]) for j in range(start, end)
                                   if not excluded[j]) / len(query.bigrams)
        return feats, matched


def _conflict(query: frozenset[tuple[int, int]], entry: frozenset[tuple[int, int]]) -> bool:
    """The query names one side of a polarity pair and the entry only the other."""
    return any((pair, 1 - side) in entry and (pair, side) not in entry for pair, side in query)
