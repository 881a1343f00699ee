"""Baselines asked the same questions as the project: BM25 alone and plain dense m3e-small alone.

- BM25: bm25s over jieba words (jieba's own dictionary: no KB dictionary, synonyms or pinyin), on the normalised
  text; an entry scores as its best question, and entries no word matched are not ranked.
- dense: the embedding model as it comes (no adapter, no ranker), exact cosine; an entry scores as its best
  question.

Each gets a confidence the way the project does, so that coverage and precision compare: a logistic calibration
of its top score and the gap to the runner-up, fitted on the examples the build learns from (each KB question
with itself left out and with its entry left out, the off-domain probes, and the KB's labelled users'
questions), weighted alike, with the answer threshold at the same target precision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import bm25s
import numpy as np

from ..build.calibrate import answer_threshold, kind_weights, question_sample
from ..config import Settings
from ..engine import Assistant, Embedder
from ..engine.logistic import Logistic
from ..kb import KnowledgeBase, LabelledQuestion
from ..kb.intents import off_domain_probes
from ..text import JiebaSegmenter, Normalizer
from .run import Record, first_rank, run_queries, summarise

CHUNK = 256  # questions scored against the whole KB at a time


class QuestionScorer(Protocol):
    name: str
    needs_match: bool  # a score <= 0 means nothing matched: the entry is not ranked

    def scores(self, texts: list[str]) -> np.ndarray:
        """(len(texts), KB questions) similarities; higher is better, <= 0 is no match for BM25."""
        ...


class PlainDense:
    name = "dense"
    needs_match = False

    def __init__(self, kb: KnowledgeBase, embedder: Embedder, normalizer: Normalizer) -> None:
        self.embedder = embedder
        self.normalizer = normalizer
        self.vectors = self._encode([q for e in kb.entries for q in e.questions])

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.embedder.encode([self.normalizer.normalize(t) for t in texts])

    def scores(self, texts: list[str]) -> np.ndarray:
        out: np.ndarray = self._encode(texts) @ self.vectors.T
        return out


class PlainBm25:
    name = "bm25"
    needs_match = True

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        self.segmenter = JiebaSegmenter()
        self.size = kb.question_count
        self.bm25 = bm25s.BM25()
        self.bm25.index([self._words(q) or ["<empty>"] for e in kb.entries for q in e.questions],
                        show_progress=False)

    def _words(self, text: str) -> list[str]:
        return self.segmenter.words(self.normalizer.normalize(text))

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.size), dtype=np.float32)
        for n, text in enumerate(texts):
            words = self._words(text)
            if words:
                out[n] = self.bm25.get_scores(words)
        return out


@dataclass(frozen=True)
class EntryRanking:
    """Entry scores of a batch of questions: -inf for entries not ranked."""

    scores: np.ndarray  # (questions, entries)

    def order(self, row: int) -> np.ndarray:
        s = self.scores[row]
        ranked = np.argsort(-s, kind="stable")
        out: np.ndarray = ranked[np.isfinite(s[ranked])]
        return out

    def inputs(self) -> np.ndarray:
        """Calibration inputs per question: the top score and its gap to the runner-up."""
        filled = np.where(np.isfinite(self.scores), self.scores, 0.0)  # not ranked: no evidence
        best = -np.sort(-filled, axis=1)[:, :2]
        return np.column_stack([best[:, 0], best[:, 0] - best[:, 1]])


class Baseline:
    """One retrieval method, ranked per entry and calibrated like the project."""

    def __init__(self, kb: KnowledgeBase, scorer: QuestionScorer, settings: Settings) -> None:
        self.kb = kb
        self.scorer = scorer
        self.settings = settings
        self.owner = np.array([n for n, e in enumerate(kb.entries) for _ in e.questions], dtype=np.int64)
        self.starts = np.searchsorted(self.owner, np.arange(len(kb.entries)))
        self.calibrator, self.threshold = self._calibrate()

    @property
    def name(self) -> str:
        return self.scorer.name

    def rank(self, texts: list[str], excluded: Sequence[tuple[int, int]] = ()) -> EntryRanking:
        """Entry scores; ``excluded``: per text, a range of questions scored as if absent (leave-one-out)."""
        parts = []
        for i in range(0, len(texts), CHUNK):
            q = self.scorer.scores(texts[i : i + CHUNK]).astype(np.float64)
            for row, (start, end) in enumerate(excluded[i : i + CHUNK]):
                q[row, start:end] = -np.inf
            if self.scorer.needs_match:
                q[q <= 0] = -np.inf
            parts.append(np.maximum.reduceat(q, self.starts, axis=1) if len(q) else q[:, : len(self.starts)])
        return EntryRanking(np.vstack(parts) if parts else np.zeros((0, len(self.starts))))

    def _calibrate(self) -> tuple[Logistic, float]:
        inputs, correct, kinds = self._examples()
        w = kind_weights(Counter(kinds), self.settings)
        weight = np.array([w[k] for k in kinds])
        calibrator = Logistic.fit(inputs, correct, weight)
        return calibrator, answer_threshold(calibrator.proba(inputs), correct, weight, self.settings.target_precision)

    def _examples(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The build's kinds of example: KB questions with themselves and with their entry left out, the
        off-domain probes, the KB's labelled users' questions."""
        kb, owner, starts = self.kb, self.owner, self.starts
        texts = [q for e in kb.entries for q in e.questions]
        ends = np.append(starts[1:], len(texts))
        has_peer = np.bincount(owner)[owner] >= 2
        cases: list[tuple[str, tuple[int, int], tuple[int, ...], str]] = []
        for i in question_sample(len(texts), self.settings.calibration_max_queries, self.settings.seed):
            e = int(owner[i])
            if has_peer[i]:
                cases += [(texts[i], (i, i + 1), (e,), "in"), (texts[i], (int(starts[e]), int(ends[e])), (), "oos")]
        cases += [(p, (0, 0), (), "probe") for p in off_domain_probes()]
        row = {e.id: n for n, e in enumerate(kb.entries)}
        cases += [(q.query, (0, 0), tuple(row[e] for e in q.expected), "user" if q.in_scope else "user_oos")
                  for q in kb.tune]
        ranking = self.rank([c[0] for c in cases], [c[1] for c in cases])
        tops = [ranking.order(n)[:1].tolist() for n in range(len(cases))]
        correct = np.array([float(bool(top) and top[0] in c[2]) for top, c in zip(tops, cases, strict=True)])
        return ranking.inputs(), correct, [c[3] for c in cases]

    def records(self, questions: list[LabelledQuestion]) -> list[Record]:
        """The questions as evaluation records: answered when the calibrated confidence reaches the threshold."""
        ranking = self.rank([q.query for q in questions], [(0, 0)] * len(questions))
        p = self.calibrator.proba(ranking.inputs()) if questions else np.zeros(0)
        out = []
        for n, q in enumerate(questions):
            ranked = [self.kb.entries[int(e)].id for e in ranking.order(n)]
            answer = bool(ranked) and p[n] >= self.threshold
            out.append(Record(expected=q.expected, decision="answer" if answer else "handoff",
                              answered_id=ranked[0] if answer else None, rank=first_rank(ranked, q.expected),
                              confidence=float(p[n]), clarify_hit=None, latency_ms=0.0))
        return out


COLUMNS = ("top1", "recall@3", "coverage", "answered_precision", "oos_not_answered", "ece")


def compare(kb: KnowledgeBase, questions: list[LabelledQuestion], assistant: Assistant, settings: Settings
            ) -> dict[str, dict[str, Any]]:
    """BM25, plain dense and the project on the same questions, each with its own answer threshold."""
    normalizer = Normalizer()
    out: dict[str, dict[str, Any]] = {}
    for scorer in (PlainBm25(kb, normalizer), PlainDense(kb, assistant.embedder, normalizer)):
        baseline = Baseline(kb, scorer, settings)
        out[baseline.name] = summarise(baseline.records(questions), {"answer": baseline.threshold})
    out["project"] = summarise(run_queries(assistant, questions), assistant.thresholds.to_dict())
    return out


def table(results: dict[str, dict[str, Any]]) -> str:
    """One row per method, one column per figure (and its answer threshold)."""
    head = f"{'method':10}" + "".join(f"{c:>20}" for c in (*COLUMNS, "answer threshold"))
    lines = [head]
    for name, r in results.items():
        cells = [f"{r[c]:>20.4f}" for c in COLUMNS] + [f"{r['thresholds']['answer']:>20.4f}"]
        lines.append(f"{name:10}" + "".join(cells))
    return "\n".join(lines)
