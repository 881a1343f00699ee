"""Dense + lexical retrieval, scored per KB entry.

An entry is as good as its best-matching question, so both legs are reduced per entry with a max. Entries are
also scored as a whole: the similarity to the centroid of their questions, a soft vote of the nearest questions,
and the TF-IDF cosine of the query's characters with all of the entry's questions taken as one document (which
learns from every similar question at once, and needs no word segmentation). Each candidate entry gets a small
feature vector; the ranker in confidence.py turns the RANKER_FEATURES among them into one score.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .index import IndexData
from .text import JiebaSegmenter, Normalizer, PinyinTransliterator, bigrams, polarity_sides

FEATURES = (
    "dense_max", "dense_top2", "dense_gap", "dense_rrank", "lex_norm", "lex_rrank", "coverage", "keyword",
    "polarity_conflict", "knn_votes", "char_overlap", "doc_cos", "knn_soft", "centroid",
)
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


def char_terms(grams: frozenset[str]) -> frozenset[str]:
    """The document terms of a text from its character bigrams: the bigrams and their characters."""
    return grams | {c for g in grams for c in g}

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


@dataclass(frozen=True)
class _Layout:
    offsets: np.ndarray  # first position of each entry's questions
    row: np.ndarray  # per position: the entry's row
    col: np.ndarray  # per position: the column within that row
    flat: np.ndarray  # per position: the question index
    width: int  # most questions of one entry


class HybridRetriever:
    def __init__(self, data: IndexData, normalizer: Normalizer, segmenter: JiebaSegmenter, candidates: int = 30):
        self.data = data
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.n_candidates = candidates
        self.transliterate = PinyinTransliterator(data.pinyin)
        self.dense_k = min(max(4 * candidates, 64), data.question_count)
        self._counts = np.diff(np.append(data.starts, data.question_count))
        # character bigram -> the questions that have it: one query's overlap with every question is a bincount
        postings: dict[str, list[int]] = {}
        for q, grams in enumerate(data.question_bigrams):
            for g in grams:
                postings.setdefault(g, []).append(q)
        self._gram_postings = {g: np.array(qs, dtype=np.int64) for g, qs in postings.items()}
        self._centroids = _unit_rows(np.add.reduceat(data.vectors, data.starts, axis=0))
        self._doc = _EntryDocs.build([char_terms(g) for g in data.question_bigrams], data.question_entry,
                                     len(data.entries))

    def prepare(self, text: str) -> Query:
        norm = self.transliterate(self.normalizer.normalize(text))
        lexical = self.normalizer.drop_fillers(norm)
        words = self.segmenter.words(lexical)
        return Query(
            text=text, norm=norm, words=tuple(words), tokens=tuple(self.segmenter.tokens_of(words)),
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
        t2 = time.perf_counter()

        valid = hits[1] >= 0
        valid[valid] = ~excluded[hits[1][valid]]
        ids, sims = hits[1][valid], hits[0][valid]
        dense_entries = list(dict.fromkeys(data.question_entry[ids].tolist()))[: self.n_candidates]
        top_lex = self._lexical_entries(lex, max(self.n_candidates // 3, 3))
        entries = np.array(list(dict.fromkeys(dense_entries + top_lex)), dtype=np.int64)
        if exclude_entry is not None:
            entries = entries[entries != exclude_entry]
        owners = data.question_entry[ids]
        votes = np.bincount(owners[:KNN], minlength=len(data.entries)) / KNN
        feats, matched = self._features(query, vector, entries, lex, excluded)
        feats[:, 9] = votes[entries]
        if len(ids):
            soft = np.exp((sims - sims.max()) / KNN_TEMPERATURE)
            feats[:, 12] = (np.bincount(owners, soft, minlength=len(data.entries)) / soft.sum())[entries]
        t3 = time.perf_counter()
        timing = {"dense_ms": (t1 - t0) * 1e3, "lexical_ms": (t2 - t1) * 1e3, "features_ms": (t3 - t2) * 1e3}
        return Candidates(entries=entries, features=feats, matched=matched, timing=timing)

    def _lexical_entries(self, lex: np.ndarray, n: int) -> list[int]:
        """The ``n`` entries with the best lexical score of one of their questions (those with any score), found
        from the best-scoring questions: an entry-by-entry maximum over every question costs ~0.4 ms at 100k."""
        scored = np.flatnonzero(lex > 0)
        take = 4 * n
        while True:
            best = scored
            if len(scored) > take:
                best = scored[np.argpartition(-lex[scored], take - 1)[:take]]
            best = best[np.argsort(-lex[best], kind="stable")]
            found = list(dict.fromkeys(self.data.question_entry[best].tolist()))
            if len(found) >= n or len(best) == len(scored):
                return found[:n]
            take *= 4  # the best questions crowd into a few entries: look further

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
        feats[:, 0] = dense_max
        feats[:, 1] = top2
        feats[:, 2] = dense_max - dense_max.max()
        feats[:, 3] = 1.0 / (1.0 + np.argsort(np.argsort(-dense_max)))
        feats[:, 4] = lex / lex_max if lex_max > 0 else 0.0
        feats[:, 5] = np.where(lex > 0, 1.0 / (1.0 + np.argsort(np.argsort(-lex))), 0.0)
        # leave-one-out (build time): the candidate entries that lost questions
        left_out = np.maximum.reduceat(excluded[layout.flat], layout.offsets)
        self._word_features(query, entries, left_out, excluded, feats)
        if query.bigrams and self._gram_postings:
            feats[:, 10] = self._bigram_overlap(query.bigrams, layout, excluded)
        terms = char_terms(query.bigrams)
        feats[:, 11] = self._doc.cosine(terms, entries)
        feats[:, 13] = self._centroids[entries] @ vector
        for row in np.flatnonzero(left_out).tolist():  # those entries' document and centroid, without them
            start, end = self.data.ranges[int(entries[row])]
            kept = np.flatnonzero(~excluded[start:end]) + start
            feats[row, 11] = self._doc.cosine_of(terms, [char_terms(self.data.question_bigrams[q]) for q in kept])
            feats[row, 13] = _unit_rows(self.data.vectors[kept].sum(axis=0, keepdims=True))[0] @ vector
        return feats, matched

    def _layout(self, entries: np.ndarray) -> _Layout:
        """The candidate entries' questions laid out as rows of a padded grid (one row per entry), so that the
        per-entry features need no Python loop over entries."""
        counts = self._counts[entries]
        offsets, row, col, flat = _spans(self.data.starts[entries], counts)
        return _Layout(offsets=offsets, row=row, col=col, flat=flat, width=int(counts.max()))

    def _bigram_overlap(self, grams: frozenset[str], layout: _Layout, excluded: np.ndarray) -> np.ndarray:
        """Per entry: the largest share of the query's character bigrams that one of its questions has."""
        lists = [self._gram_postings[g] for g in grams if g in self._gram_postings]
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
                feats[i, 6] = len(qwords & ewords) / len(qwords)
            feats[i, 7] = float(any(k in norm for k in data.entry_keywords[e]))
            if polarity:
                feats[i, 8] = float(_conflict(polarity, data.entry_polarity[e]))


@dataclass(frozen=True)
class _EntryDocs:
    """Each entry's questions as one TF-IDF document over character terms; the cosine with a query for a few
    candidate entries at a time. A term's weight in an entry is its idf times the number of the entry's
    questions that have it; idf is smoothed over questions."""

    vocab: dict[str, int]
    idf: np.ndarray
    indptr: np.ndarray  # entry rows of (term, weight), CSR
    terms: np.ndarray
    weights: np.ndarray
    norms: np.ndarray

    @classmethod
    def build(cls, question_terms: list[frozenset[str]], owner: np.ndarray, n_entries: int) -> _EntryDocs:
        vocab: dict[str, int] = {}
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for terms in question_terms for t in terms),
                          dtype=np.int64)
        size = max(len(vocab), 1)
        entry = np.repeat(owner, [len(terms) for terms in question_terms])
        df = np.bincount(ids, minlength=size).astype(np.float64)
        idf = np.log((1 + len(question_terms)) / (1 + df)) + 1
        # (entry, term) pairs counted once each: the CSR rows come out sorted by entry
        keys, counts = np.unique(entry * size + ids, return_counts=True)
        indptr = np.searchsorted(keys // size, np.arange(n_entries + 1))
        term_ids = keys % size
        weights = counts * idf[term_ids]
        norms = np.zeros(n_entries)
        filled = np.diff(indptr) > 0
        norms[filled] = np.sqrt(np.add.reduceat(weights**2, indptr[:-1][filled]))
        return cls(vocab=vocab, idf=idf, indptr=indptr, terms=term_ids, weights=weights, norms=norms)

    def _query(self, terms: frozenset[str]) -> tuple[np.ndarray, float]:
        ids = np.array([self.vocab[t] for t in terms if t in self.vocab], dtype=np.int64)
        return ids, float(np.sqrt((self.idf[ids] ** 2).sum())) if len(ids) else 0.0

    def cosine(self, terms: frozenset[str], entries: np.ndarray) -> np.ndarray:
        ids, qnorm = self._query(terms)
        out = np.zeros(len(entries), dtype=np.float32)
        if qnorm == 0 or not len(entries):
            return out
        query = np.zeros(len(self.idf))
        query[ids] = self.idf[ids]
        _, row, _, pos = _spans(self.indptr[entries], np.diff(self.indptr)[entries])
        dots = np.bincount(row, self.weights[pos] * query[self.terms[pos]], minlength=len(entries))
        norms = self.norms[entries]
        out[norms > 0] = dots[norms > 0] / (norms[norms > 0] * qnorm)
        return out

    def cosine_of(self, terms: frozenset[str], questions: list[frozenset[str]]) -> float:
        """The cosine with a document made of these questions (an entry with some questions left out)."""
        ids, qnorm = self._query(terms)
        doc: dict[int, int] = {}
        for q in questions:
            for t in q:
                if t in self.vocab:
                    doc[self.vocab[t]] = doc.get(self.vocab[t], 0) + 1
        if qnorm == 0 or not doc:
            return 0.0
        keys = np.fromiter(doc, dtype=np.int64, count=len(doc))
        w = np.fromiter(doc.values(), dtype=np.float64, count=len(doc)) * self.idf[keys]
        return float((w * self.idf[keys])[np.isin(keys, ids)].sum() / (np.sqrt((w**2).sum()) * qnorm))


def _spans(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Spans [starts[i], starts[i] + counts[i]) of a flat array laid side by side: where each span begins in the
    result, and per position its span, its place in the span and its index in the flat array."""
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    row = np.repeat(np.arange(len(counts)), counts)
    col = np.arange(int(counts.sum())) - offsets[row]
    return offsets, row, col, starts[row] + col


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (all-zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _conflict(query: frozenset[tuple[int, int]], entry: frozenset[tuple[int, int]]) -> bool:
    """The query names one side of a polarity pair and the entry only the other."""
    return any((pair, 1 - side) in entry and (pair, side) not in entry for pair, side in query)
