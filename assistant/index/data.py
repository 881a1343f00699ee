"""An index in memory: the KB's questions grouped by entry, their vectors, FAISS and BM25, and what the
lexical features need (entry words, keywords, polarity, pinyin)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from ..kb import Entry, KnowledgeBase, Triggers
from ..text import JiebaSegmenter, Normalizer, PinyinTransliterator, bigrams, polarity_sides
from .manifest import Manifest


@dataclass
class IndexData:
    """Everything retrieval needs, in memory. Questions are stored grouped by entry, in entry order."""

    path: Path | None
    manifest: Manifest
    entries: tuple[Entry, ...]
    question_texts: tuple[str, ...]
    question_entry: np.ndarray  # int64 (n_questions,)
    vectors: np.ndarray  # float32 (n_questions, dim), L2-normalised
    faiss: Any
    bm25: bm25s.BM25
    entry_words: tuple[frozenset[str], ...]
    entry_keywords: tuple[tuple[str, ...], ...]
    entry_polarity: tuple[frozenset[tuple[int, int]], ...]
    dict_terms: tuple[str, ...]
    synonyms: dict[str, str]
    triggers: Triggers
    adapter: np.ndarray | None = None  # (dim, dim) applied to query vectors before search
    question_words: tuple[frozenset[str], ...] = ()  # build time only: leave-one-out coverage
    question_bigrams: tuple[frozenset[str], ...] = ()
    pinyin: dict[str, str] = field(default_factory=dict)  # pinyin key -> KB word, for pinyin-typed questions
    model_dir: Path | None = None  # a fine-tuned model (`build --tune`) saved inside the version

    @property
    def question_count(self) -> int:
        return len(self.question_texts)

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    def __post_init__(self) -> None:
        counts = np.bincount(self.question_entry, minlength=len(self.entries))
        ends = np.cumsum(counts)
        self._starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
        self.ranges = [(int(s), int(e)) for s, e in zip(self._starts, ends, strict=True)]


def make_faiss(vectors: np.ndarray, kind: str, hnsw_min_vectors: int) -> Any:
    """Exact inner product for small KBs; HNSW (approximate, much faster per query) above the threshold."""
    dim = vectors.shape[1]
    index: Any
    if kind == "hnsw" or (kind == "auto" and len(vectors) >= hnsw_min_vectors):
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


@dataclass
class _Segmented:
    """The KB's questions as the lexical leg sees them, in entry order."""

    texts: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    qwords: list[frozenset[str]] = field(default_factory=list)
    qgrams: list[frozenset[str]] = field(default_factory=list)
    entry_words: list[frozenset[str]] = field(default_factory=list)
    vocabulary: Counter[str] = field(default_factory=Counter)


def _segment(kb: KnowledgeBase, normalizer: Normalizer, segmenter: JiebaSegmenter) -> _Segmented:
    out = _Segmented()
    for i, entry in enumerate(kb.entries):
        entry_words: set[str] = set()
        for q in entry.questions:
            norm = normalizer.drop_fillers(segmenter.canonical(normalizer.normalize(q)))
            out.texts.append(q)
            out.owners.append(i)
            segmented = segmenter.words(norm)
            out.tokens.append(segmenter.tokens_of(segmented))
            out.qwords.append(frozenset(segmented))
            out.vocabulary.update(out.qwords[-1])
            out.qgrams.append(bigrams(norm))
            entry_words.update(out.qwords[-1])
        entry_words.update(segmenter.words(normalizer.normalize(" ".join(entry.keywords))))
        out.entry_words.append(frozenset(entry_words))
    return out


def assemble(
    kb: KnowledgeBase,
    vectors: np.ndarray,
    normalizer: Normalizer,
    segmenter: JiebaSegmenter,
    manifest: Manifest,
    index_kind: str = "auto",
    hnsw_min_vectors: int = 8000,
) -> IndexData:
    """Put a built index together in memory from a KB and its question vectors."""
    seg = _segment(kb, normalizer, segmenter)
    texts, owners, words, tokens, qwords, qgrams = (seg.texts, seg.owners, seg.entry_words, seg.tokens, seg.qwords,
                                                     seg.qgrams)
    vocabulary = seg.vocabulary
    bm25 = bm25s.BM25()
    bm25.index([t or ["<empty>"] for t in tokens], show_progress=False)
    return IndexData(
        path=None,
        manifest=manifest,
        entries=kb.entries,
        question_texts=tuple(texts),
        question_entry=np.asarray(owners, dtype=np.int64),
        vectors=vectors,
        faiss=make_faiss(vectors, index_kind, hnsw_min_vectors),
        bm25=bm25,
        entry_words=tuple(words),
        entry_keywords=tuple(tuple(segmenter.canonical(normalizer.normalize(k)) for k in e.keywords)
                             for e in kb.entries),
        entry_polarity=tuple(polarity_sides(normalizer.normalize(e.question)) for e in kb.entries),
        dict_terms=kb.dict_terms,
        synonyms=kb.synonyms,
        triggers=kb.triggers,
        question_words=tuple(qwords),
        question_bigrams=tuple(qgrams),
        pinyin=PinyinTransliterator.from_vocabulary(vocabulary).table,
    )
