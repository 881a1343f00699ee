"""Each entry's questions as one TF-IDF document over character terms (segmentation-free; it learns from every
similar question at once)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..index.grams import QuestionGrams


def char_terms(grams: frozenset[str]) -> frozenset[str]:
    """The document terms of a text from its character bigrams: the bigrams and their characters."""
    return grams | {c for g in grams for c in g}


@dataclass(frozen=True)
class EntryDocs:
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
    def build(cls, grams: QuestionGrams, owner: np.ndarray, n_entries: int) -> EntryDocs:
        """From the questions' document terms (index/grams.py; its vocabulary is shared, not copied)."""
        size = max(len(grams.vocab), 1)
        n_questions = grams.question_count
        entry = np.repeat(owner, np.diff(grams.term_indptr))
        df = np.bincount(grams.terms, minlength=size).astype(np.float64)
        idf = np.log((1 + n_questions) / (1 + df)) + 1
        # (entry, term) pairs counted once each: the CSR rows come out sorted by entry
        keys, counts = np.unique(entry * size + grams.terms, return_counts=True)
        indptr = np.searchsorted(keys // size, np.arange(n_entries + 1))
        term_ids = keys % size
        weights = counts * idf[term_ids]
        norms = np.zeros(n_entries)
        filled = np.diff(indptr) > 0
        norms[filled] = np.sqrt(np.add.reduceat(weights**2, indptr[:-1][filled]))
        return cls(vocab=grams.vocab, idf=idf, indptr=indptr, terms=term_ids, weights=weights, norms=norms)

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
        _, row, _, pos = spans(self.indptr[entries], np.diff(self.indptr)[entries])
        dots = np.bincount(row, self.weights[pos] * query[self.terms[pos]], minlength=len(entries))
        norms = self.norms[entries]
        out[norms > 0] = dots[norms > 0] / (norms[norms > 0] * qnorm)
        return out

    def cosine_of(self, terms: frozenset[str], questions: list[np.ndarray]) -> float:
        """The cosine with a document made of these questions' terms (an entry with some questions left out)."""
        ids, qnorm = self._query(terms)
        if qnorm == 0 or not questions:
            return 0.0
        keys, counts = np.unique(np.concatenate(questions), return_counts=True)
        if not len(keys):
            return 0.0
        w = counts * self.idf[keys]
        return float((w * self.idf[keys])[np.isin(keys, ids)].sum() / (np.sqrt((w**2).sum()) * qnorm))


def spans(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Spans [starts[i], starts[i] + counts[i]) of a flat array laid side by side: where each span begins in the
    result, and per position its span, its place in the span and its index in the flat array."""
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    row = np.repeat(np.arange(len(counts)), counts)
    col = np.arange(int(counts.sum())) - offsets[row]
    return offsets, row, col, starts[row] + col
