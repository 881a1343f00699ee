"""An index in memory: the KB's questions grouped by entry, their vectors, FAISS and BM25, and what the
lexical features need (entry words, keywords, polarity, pinyin)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from ..kb import Entry, Intents, KnowledgeBase, Voice
from ..pinyin import PinyinTransliterator
from ..text import JiebaSegmenter, Normalizer, bigrams, polarity_sides
from .grams import QuestionGrams
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
    intents: Intents
    voice: Voice
    adapter: np.ndarray | None = None  # (dim, dim) applied to query vectors before search
    question_words: tuple[frozenset[str], ...] = ()  # build time only: leave-one-out coverage
    question_grams: QuestionGrams = field(default_factory=lambda: QuestionGrams.build(()))  # character bigrams
    pinyin: dict[str, str] = field(default_factory=dict)  # pinyin key -> KB word, for pinyin-typed questions
    pinyin_common: dict[str, str] = field(default_factory=dict)  # ... -> common word, for keys the KB lacks
    model_dir: Path | None = None  # a fine-tuned model (`build --tune`) saved inside the version
    intent_models: dict[str, Any] = field(default_factory=dict)  # build/intents.py: intents and emotions

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


def hanzi_runs(text: str) -> list[str]:
    """The Chinese characters and character pairs of a text: what pinyin typed without an IME is read as."""
    runs = [r for r in re.split(r"[^\u4e00-\u9fff]+", text) if r]
    return [r[i : i + n] for r in runs for n in (1, 2) for i in range(len(r) - n + 1)]


@dataclass(frozen=True)
class KbText:
    """The KB's questions as the questions asked are read (query.py): normalised, pinyin turned into Chinese,
    synonyms replaced by the KB's canonical words; both legs index this text, and the model embeds it. The pinyin
    tables come from the KB's own words and characters, so they are made from a first reading without them."""

    texts: tuple[str, ...]
    pinyin: PinyinTransliterator

    @classmethod
    def read(cls, kb: KnowledgeBase, normalizer: Normalizer, segmenter: JiebaSegmenter) -> KbText:
        first = [segmenter.canonical(normalizer.normalize(q)) for e in kb.entries for q in e.questions]
        words: Counter[str] = Counter()
        characters: Counter[str] = Counter()
        for text in first:
            words.update(set(segmenter.words(normalizer.drop_fillers(text))))
            characters.update(hanzi_runs(text))
        pinyin = PinyinTransliterator.from_vocabulary(words, characters)
        raw = [q for e in kb.entries for q in e.questions]
        texts = [segmenter.canonical(pinyin(normalizer.normalize(q))) if re.search("[a-zA-Z]", q) else t
                 for q, t in zip(raw, first, strict=True)]
        return cls(tuple(texts), pinyin)


def _segment(kb: KnowledgeBase, text: KbText, normalizer: Normalizer, segmenter: JiebaSegmenter) -> _Segmented:
    out = _Segmented()
    n = 0
    for i, entry in enumerate(kb.entries):
        entry_words: set[str] = set()
        for q in entry.questions:
            norm = normalizer.drop_fillers(text.texts[n])
            n += 1
            out.texts.append(q)
            out.owners.append(i)
            segmented = segmenter.words(norm)
            out.tokens.append(segmenter.tokens_of(segmented))
            out.qwords.append(frozenset(segmented))
            out.qgrams.append(bigrams(norm))
            entry_words.update(out.qwords[-1])
        entry_words.update(segmenter.words(normalizer.normalize(" ".join(entry.keywords))))
        out.entry_words.append(frozenset(entry_words))
    return out


def lexical_index(docs: list[list[str]]) -> bm25s.BM25:
    """BM25 over token lists, its vocabulary numbered in sorted order: bm25s numbers a token list's words as a
    set iterates them, which differs between processes, so two builds of one KB wrote different files."""
    from bm25s.tokenization import Tokenized

    vocab = {w: i for i, w in enumerate(sorted({w for doc in docs for w in doc}))}
    bm25 = bm25s.BM25()
    bm25.index(Tokenized(ids=[[vocab[w] for w in doc] for doc in docs], vocab=vocab), show_progress=False)
    return bm25


def assemble(
    kb: KnowledgeBase,
    vectors: np.ndarray,
    normalizer: Normalizer,
    segmenter: JiebaSegmenter,
    manifest: Manifest,
    index_kind: str = "auto",
    hnsw_min_vectors: int = 8000,
    text: KbText | None = None,
) -> IndexData:
    """Put a built index together in memory from a KB and its question vectors (embedded from ``text``)."""
    text = text or KbText.read(kb, normalizer, segmenter)
    seg = _segment(kb, text, normalizer, segmenter)
    texts, owners, words, tokens, qwords, qgrams = (seg.texts, seg.owners, seg.entry_words, seg.tokens, seg.qwords,
                                                     seg.qgrams)
    pinyin = text.pinyin
    bm25 = lexical_index([t or ["<empty>"] for t in tokens])
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
        intents=kb.intents,
        voice=kb.voice,
        question_words=tuple(qwords),
        question_grams=QuestionGrams.build(qgrams),
        pinyin=pinyin.table,
        pinyin_common=pinyin.common,
    )
