"""Calibration by cross-fitting, at build time.

The questions are split in folds by their position in the entry; the adapter learned without a fold scores that
fold's questions, each asked with itself left out of the index (an in-scope example) and with its whole entry
left out (an out-of-scope example), plus the shipped off-domain probes. The ranker, scorer and calibrator are
fitted on these examples and the thresholds derived from a target precision. Nothing here looks at evaluation
data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from ..config import Settings
from ..engine.decide import Thresholds
from ..engine.embed import apply_adapter
from ..engine.features import RANKER_FEATURES, HeldOut, ranker_columns
from ..engine.logistic import Logistic
from ..engine.rank import CALIBRATION_FEATURES, rank
from ..engine.retrieve import HybridRetriever
from ..index import Calibration, IndexData, SelfTest, make_faiss
from ..kb import KnowledgeBase
from ..kb.intents import off_domain_probes
from ..text import JiebaSegmenter, Normalizer

CROSS_FOLDS = 4  # each fold's adapter learns from 3/4 of the questions, close to the final one
Rows = list[tuple[np.ndarray, np.ndarray]]  # per in-scope example: candidates' features, 1.0 for the gold one


@dataclass
class Example:
    gold: int  # -1 when no entry is right
    features: np.ndarray
    entries: np.ndarray
    n_words: int
    question: int = -1  # KB question index, or -1 for a probe
    kind: str = "in"  # in | oos | probe


@dataclass(frozen=True)
class Scored:
    """The examples as the fitted models see them: calibration inputs, whether the pick is right, weights."""

    inputs: np.ndarray
    correct: np.ndarray
    top3: np.ndarray
    weight: np.ndarray
    inscope: np.ndarray
    failures: list[dict[str, str]]


def question_sample(n_questions: int, limit: int, seed: int) -> Sequence[int]:
    if n_questions <= limit:
        return range(n_questions)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(n_questions, size=limit, replace=False).tolist())


def folds(base: IndexData) -> np.ndarray:
    """Each question's cross-fitting fold, by its position in the entry."""
    owner = base.question_entry
    return np.asarray((np.arange(len(owner)) - base.starts[owner]) % CROSS_FOLDS)


class CrossFitter:
    """Asks each fold's held-out questions (and the probes) against that fold's adapter."""

    def __init__(self, settings: Settings, normalizer: Normalizer, segmenter: JiebaSegmenter,
                 encode: Callable[[list[str], str], np.ndarray], progress: bool = True) -> None:
        self.settings = settings
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.encode = encode
        self.progress = progress

    def examples(self, base: IndexData, raw: np.ndarray, fold: np.ndarray, matrices: list[np.ndarray | None],
                 holdout: np.ndarray | None = None) -> tuple[list[Example], Rows]:
        s = self.settings
        owner = base.question_entry
        sample = set(question_sample(len(owner), s.calibration_max_queries, s.seed))
        has_peer = np.bincount(owner)[owner] >= 2
        probes = off_domain_probes()
        probe_raw = self.encode([self.normalizer.normalize(p) for p in probes], "embedding probes")
        examples: list[Example] = []
        rows: Rows = []
        for f in range(CROSS_FOLDS):
            matrix = matrices[f]
            vectors = apply_adapter(matrix, raw)
            # exact search for the held-out questions: cheap for a few thousand queries even at 100k questions,
            # and it spares four HNSW graph builds (minutes each at that size)
            data = replace(base, vectors=vectors, faiss=make_faiss(vectors, "flat", s.hnsw_min_vectors))
            retriever = HybridRetriever(data, self.normalizer, self.segmenter, s.candidates)
            queries = [i for i in range(len(owner)) if fold[i] == f and i in sample and has_peer[i]
                       and (holdout is None or holdout[i])]
            self._held_out(retriever, vectors, queries, f, examples, rows)
            pv = apply_adapter(matrix, probe_raw)
            for p, text in enumerate(probes[f::CROSS_FOLDS]):
                query = retriever.prepare(text)
                c = retriever.candidates(query, pv[f + CROSS_FOLDS * p])
                examples.append(Example(-1, c.features, c.entries, len(query.words), -1, "probe"))
        return examples, rows

    def _held_out(self, retriever: HybridRetriever, vectors: np.ndarray, queries: list[int], f: int,
                  examples: list[Example], rows: Rows) -> None:
        """Each question asked with itself left out (in scope) and with its whole entry left out (not)."""
        owner = retriever.data.question_entry
        qv = vectors[queries] if queries else np.zeros((0, vectors.shape[1]), np.float32)
        sims, ids = retriever.dense_search(qv) if queries else (None, None)
        for n, i in enumerate(tqdm(queries, desc=f"calibrating ({f + 1}/{CROSS_FOLDS})", disable=not self.progress,
                                   leave=False)):
            assert sims is not None and ids is not None
            query = retriever.prepare(retriever.data.question_texts[i])
            lex = retriever.lexical_scores(query)
            hit = (sims[n], ids[n])
            gold = int(owner[i])
            c = retriever.candidates_held_out(query, vectors[i], hit, lex, HeldOut(questions=np.array([i])))
            examples.append(Example(gold, c.features, c.entries, len(query.words), i, "in"))
            rows.append((c.features, (c.entries == gold).astype(np.float64)))
            c = retriever.candidates_held_out(query, vectors[i], hit, lex, HeldOut(entry=gold))
            examples.append(Example(-1, c.features, c.entries, len(query.words), i, "oos"))


class Calibrator:
    """Fits the ranker, the scorer and the calibrator on the cross-fitted examples; derives the thresholds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fit(self, kb: KnowledgeBase, base: IndexData, examples: list[Example], rows: Rows
            ) -> tuple[Calibration, SelfTest, list[dict[str, str]]]:
        s = self.settings
        cols = ranker_columns(RANKER_FEATURES)
        scorer = Logistic.fit(np.vstack([r[0][:, cols] for r in rows]), np.concatenate([r[1] for r in rows]))
        lists = [(r[0][:, cols], int(np.argmax(r[1]))) for r in rows if r[1].any()]
        ranker = Logistic.fit_listwise([x for x, _ in lists], [g for _, g in lists]) if lists else scorer
        sc = self._score(kb, base, examples, ranker, scorer, cols)
        calibrator = Logistic.fit(sc.inputs, sc.correct, sc.weight)
        p = calibrator.proba(sc.inputs)
        y, w = sc.correct, sc.weight
        t_answer = answer_threshold(p, y, w, s.target_precision)
        t_sensitive = max(t_answer, answer_threshold(p, y, w, s.sensitive_target_precision))
        t_clarify = min(t_answer, clarify_threshold(p, sc.top3, w, t_answer, s.clarify_recall))
        thresholds = Thresholds(answer=t_answer, answer_sensitive=t_sensitive, clarify=t_clarify)
        calibration = Calibration(
            ranker=ranker.to_dict(RANKER_FEATURES), scorer=scorer.to_dict(RANKER_FEATURES),
            calibrator=calibrator.to_dict(CALIBRATION_FEATURES), thresholds=thresholds.to_dict(),
            target_precision=s.target_precision, sensitive_target_precision=s.sensitive_target_precision,
            priors={"unanswerable": s.unanswerable_share, "offdomain": s.offdomain_share},
            examples={"in_scope": int(sc.inscope.sum()), "out_of_scope": int((~sc.inscope).sum())},
            held_out=held_out_figures(p, sc, t_answer),
        )
        return calibration, self_test(sc), sc.failures

    def _score(self, kb: KnowledgeBase, base: IndexData, examples: list[Example], ranker: Logistic,
               scorer: Logistic, cols: np.ndarray) -> Scored:
        qfeat, correct, top3, weight = [], [], [], []
        kind_weight = self._kind_weights(examples)
        failures: list[dict[str, str]] = []
        for ex in examples:
            x = ex.features[:, cols]
            order, inputs = rank(ranker.logit(x), scorer.logit(x), ex.features, ex.n_words)
            ranked = ex.entries[order]
            qfeat.append(inputs)
            top = int(ranked[0]) if len(ranked) else -1
            correct.append(float(top == ex.gold and ex.gold >= 0))
            top3.append(float(ex.gold >= 0 and ex.gold in ranked[:3]))
            weight.append(kind_weight[ex.kind])
            if ex.kind == "in" and top != ex.gold:
                failures.append({"entry": kb.entries[ex.gold].id, "question": base.question_texts[ex.question],
                                 "retrieved": kb.entries[top].id if top >= 0 else ""})
        return Scored(inputs=np.array(qfeat), correct=np.array(correct), top3=np.array(top3),
                      weight=np.array(weight), inscope=np.array([e.kind == "in" for e in examples]),
                      failures=failures)

    def _kind_weights(self, examples: list[Example]) -> dict[str, float]:
        """Weights that make the examples mirror the assumed traffic: in-scope, unanswerable in-domain,
        off-domain."""
        s = self.settings
        counts = {k: max(sum(e.kind == k for e in examples), 1) for k in ("in", "oos", "probe")}
        in_share = 1.0 - s.unanswerable_share - s.offdomain_share
        return {"in": 1.0, "oos": s.unanswerable_share / in_share * counts["in"] / counts["oos"],
                "probe": s.offdomain_share / in_share * counts["in"] / counts["probe"]}


def self_test(sc: Scored) -> SelfTest:
    inscope = sc.inscope
    return SelfTest(
        queries=int(inscope.sum()),
        top1=float(sc.correct[inscope].mean()) if inscope.any() else 1.0,
        recall_at_3=float(np.mean(sc.top3[inscope])) if inscope.any() else 1.0,
        failed_entries=tuple(sorted({f["entry"] for f in sc.failures})),
    )


def held_out_figures(p: np.ndarray, sc: Scored, t_answer: float) -> dict[str, float]:
    y, w, inscope = sc.correct, sc.weight, sc.inscope
    answered = p >= t_answer
    return {
        "answered_precision": float((w * y * answered).sum() / max((w * answered).sum(), 1e-9)),
        "coverage": float((y * answered)[inscope].mean()) if inscope.any() else 0.0,
        "oos_not_answered": float(1 - answered[~inscope].mean()) if (~inscope).any() else 1.0,
        "ece": expected_calibration_error(p, y, w),
    }


def answer_threshold(p: np.ndarray, correct: np.ndarray, weight: np.ndarray, target: float,
                     min_support: float = 20.0) -> float:
    """Lowest threshold above which precision stays at or over the target, at every cut from there up."""
    order = np.argsort(-p)
    p, correct, weight = p[order], correct[order], weight[order]
    cum_w = np.cumsum(weight)
    precision = np.cumsum(weight * correct) / cum_w
    ok = (precision >= target) | (cum_w < min_support)
    # the longest prefix where every cut meets the target (tiny prefixes are too noisy to judge)
    bad = np.flatnonzero(~ok)
    end = bad[0] if len(bad) else len(p)
    if end == 0 or cum_w[end - 1] < min_support:
        return 1.0
    # place the threshold between the last accepted score and the first rejected one
    return float(p[end - 1]) if end == len(p) else float((p[end - 1] + p[end]) / 2)


def clarify_threshold(p: np.ndarray, in_top3: np.ndarray, weight: np.ndarray, answer: float, recall: float) -> float:
    """Lowest threshold under ``answer`` where the band [t, answer) still holds the gold entry in the top 3."""
    band = p < answer
    order = np.argsort(-p[band])
    ps, hit, w = p[band][order], in_top3[band][order], weight[band][order]
    if not len(ps):
        return answer
    rate = np.cumsum(w * hit) / np.cumsum(w)
    ok = np.flatnonzero(rate >= recall)
    return float(ps[ok[-1]]) if len(ok) else answer


def expected_calibration_error(p: np.ndarray, correct: np.ndarray, weight: np.ndarray | None = None,
                               bins: int = 10) -> float:
    """Weighted mean gap between confidence and accuracy over ten equal-width bins."""
    w = np.ones(len(p)) if weight is None else np.asarray(weight, dtype=np.float64)
    idx = np.clip((np.asarray(p) * bins).astype(int), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += w[m].sum() * abs(np.average(p[m], weights=w[m]) - np.average(correct[m], weights=w[m]))
    return float(total / max(w.sum(), 1e-12))
