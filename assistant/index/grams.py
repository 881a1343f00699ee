"""The KB questions' character bigrams as arrays: which questions have a bigram (the lexical overlap feature is a
bincount over them), and each question's document terms, its bigrams and their characters (the entries' TF-IDF
documents, engine/entry_docs.py).

Held as Python sets, a question's bigrams cost ~2 KB (a frozenset and a string object per bigram, every one its own
copy as the JSON reader makes them): ~200 MB a worker at 100k questions, for data that is only ever read. Here each
distinct term is one string, the key of ``vocab``, and a question's terms are int32 ids in shared arrays."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class QuestionGrams:
    vocab: dict[str, int]  # term -> id: every bigram first (ids < n_grams), then the characters not yet a term
    n_grams: int
    indptr: np.ndarray  # int64 (n_questions + 1,): question q's bigrams are grams[indptr[q]:indptr[q + 1]]
    grams: np.ndarray  # int32 bigram ids
    post_indptr: np.ndarray  # int64 (n_grams + 1,): bigram g's questions are post[post_indptr[g]:post_indptr[g + 1]]
    post: np.ndarray  # int32 question ids, ascending within a bigram
    term_indptr: np.ndarray  # int64 (n_questions + 1,): question q's document terms, like indptr
    terms: np.ndarray  # int32 term ids, ascending within a question
    _names: list[str] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def build(cls, questions: Iterable[Iterable[str]]) -> QuestionGrams:
        """From each question's bigrams (sets, or the lists an index folder stores)."""
        vocab: dict[str, int] = {}
        counts: list[int] = []

        def ids() -> Iterator[int]:
            for grams in questions:
                n = 0
                for g in grams:
                    yield vocab.setdefault(g, len(vocab))
                    n += 1
                counts.append(n)

        gram_ids = np.fromiter(ids(), dtype=np.int64)
        n_questions, n_grams = len(counts), len(vocab)
        owner = np.repeat(np.arange(n_questions, dtype=np.int64), counts)
        indptr = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        # each bigram's characters (a one-character "bigram", from a one-character text, is its own character)
        char_counts: list[int] = []

        def char_ids() -> Iterator[int]:
            for g in list(vocab):
                chars = set(g)
                char_counts.append(len(chars))
                for c in chars:
                    yield vocab.setdefault(c, len(vocab))

        chars = np.fromiter(char_ids(), dtype=np.int64)
        char_ptr = np.concatenate(([0], np.cumsum(char_counts, dtype=np.int64)))
        size = max(len(vocab), 1)
        per_gram = np.diff(char_ptr)[gram_ids]  # the characters of each (question, bigram) pair
        starts = np.repeat(char_ptr[gram_ids], per_gram)
        within = np.arange(int(per_gram.sum())) - np.repeat(np.cumsum(per_gram) - per_gram, per_gram)
        pairs = np.concatenate((owner * size + gram_ids, np.repeat(owner, per_gram) * size + chars[starts + within]))
        keys = np.sort(pairs)  # (question, term) once each, sorted by question then term (np.unique hashes: 5x
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys  # slower at 100k)
        order = np.argsort(gram_ids, kind="stable")
        return cls(
            vocab=vocab, n_grams=n_grams, indptr=indptr, grams=gram_ids.astype(np.int32),
            post_indptr=np.searchsorted(gram_ids[order], np.arange(n_grams + 1)).astype(np.int64),
            post=owner[order].astype(np.int32),
            term_indptr=np.searchsorted(keys // size, np.arange(n_questions + 1)).astype(np.int64),
            terms=(keys % size).astype(np.int32),
        )

    @property
    def question_count(self) -> int:
        return len(self.indptr) - 1

    def postings(self, grams: Iterable[str]) -> list[np.ndarray]:
        """For each of these bigrams the KB has: the questions that have it."""
        out = []
        for g in grams:
            i = self.vocab.get(g)
            if i is not None and i < self.n_grams:
                out.append(self.post[self.post_indptr[i] : self.post_indptr[i + 1]])
        return out

    def question_terms(self, q: int) -> np.ndarray:
        return self.terms[self.term_indptr[q] : self.term_indptr[q + 1]]

    def bigrams(self, q: int) -> frozenset[str]:
        """Question q's bigrams as strings (what the index folder stores; tests)."""
        if not self._names:
            self._names.extend(self.vocab)
        return frozenset(self._names[i] for i in self.grams[self.indptr[q] : self.indptr[q + 1]].tolist())
