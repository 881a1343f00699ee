"""Retrieval: a dense leg (adapted m3e vectors, FAISS inner product) and a lexical leg (BM25 over jieba tokens with
synonyms and pinyin twins) each propose entries; the union is scored per entry (features.py).

An entry is as good as its best-matching question, so both legs are reduced per entry with a max. Entries are
also scored as a whole: the similarity to the centroid of their questions, a soft vote of the nearest questions,
and the TF-IDF cosine of the query's characters with all of the entry's questions taken as one document.
"""

from __future__ import annotations

import time

import numpy as np

from ..index import IndexData
from ..text import JiebaSegmenter, Normalizer
from .features import Candidates, EntryFeatures, HeldOut
from .query import Query, QueryPreparer


class HybridRetriever:
    def __init__(self, data: IndexData, normalizer: Normalizer, segmenter: JiebaSegmenter, candidates: int = 30):
        self.data = data
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.n_candidates = candidates
        self.queries = QueryPreparer(normalizer, segmenter, data.pinyin, data.pinyin_common)
        self.dense_k = min(max(4 * candidates, 64), data.question_count)
        self.features = EntryFeatures(data, segmenter)

    def prepare(self, text: str) -> Query:
        return self.queries.prepare(text)

    def model_text(self, text: str) -> str:
        """``prepare(text).norm`` without the segmentation the lexical leg needs."""
        return self.queries.model_text(self.queries.said(text))

    def dense_search(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """FAISS top-k question hits for a batch of query vectors."""
        sims, ids = self.data.faiss.search(np.ascontiguousarray(vectors, dtype=np.float32), self.dense_k)
        return sims, ids

    def lexical_scores(self, query: Query) -> np.ndarray:
        if not query.tokens:
            return np.zeros(self.data.question_count, dtype=np.float32)
        return np.asarray(self.data.bm25.get_scores(list(query.tokens)), dtype=np.float32)

    def candidates(self, query: Query, vector: np.ndarray, hits: tuple[np.ndarray, np.ndarray] | None = None
                   ) -> Candidates:
        """Score the candidate entries of one query (``hits``: its dense search, when done in a batch)."""
        return self._gather(query, vector, hits, None, None)

    def candidates_held_out(self, query: Query, vector: np.ndarray, hits: tuple[np.ndarray, np.ndarray],
                            lexical: np.ndarray, held_out: HeldOut) -> Candidates:
        """Build time: the same as if the held-out questions (or entry) were not in the index."""
        return self._gather(query, vector, hits, lexical, held_out)

    def _gather(self, query: Query, vector: np.ndarray, hits: tuple[np.ndarray, np.ndarray] | None,
                lexical: np.ndarray | None, held_out: HeldOut | None) -> Candidates:
        data = self.data
        t0 = time.perf_counter()
        if hits is None:
            sims, ids = self.dense_search(vector[None, :])
            hits = (sims[0], ids[0])
        t1 = time.perf_counter()
        lex = self.lexical_scores(query) if lexical is None else lexical
        excluded = np.zeros(data.question_count, dtype=bool)
        if held_out is not None and held_out.questions is not None:
            excluded[held_out.questions] = True
        if held_out is not None and held_out.entry is not None:
            s, e = data.ranges[held_out.entry]
            excluded[s:e] = True
        if excluded.any():
            lex = np.where(excluded, 0.0, lex)
        t2 = time.perf_counter()

        valid = hits[1] >= 0
        valid[valid] = ~excluded[hits[1][valid]]
        ids, sims = hits[1][valid], hits[0][valid]
        dense_entries = list(dict.fromkeys(data.question_entry[ids].tolist()))[: self.n_candidates]
        top_lex = self.lexical_entries(lex, max(self.n_candidates // 3, 3))
        entries = np.array(list(dict.fromkeys(dense_entries + top_lex)), dtype=np.int64)
        if held_out is not None and held_out.entry is not None:
            entries = entries[entries != held_out.entry]
        feats, matched = self.features.compute(query, vector, entries, lex, (sims, ids), excluded)
        t3 = time.perf_counter()
        timing = {"dense_ms": (t1 - t0) * 1e3, "lexical_ms": (t2 - t1) * 1e3, "features_ms": (t3 - t2) * 1e3}
        return Candidates(entries=entries, features=feats, matched=matched, timing=timing)

    def lexical_entries(self, lex: np.ndarray, n: int) -> list[int]:
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
