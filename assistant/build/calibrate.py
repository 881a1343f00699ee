"""Calibration by cross-fitting, at build time.

The questions are split in folds by their position in the entry; the adapter learned without a fold scores that
fold's questions, each asked with itself left out of the index (an in-scope example) and with its whole entry
left out (an out-of-scope example), plus the shipped off-domain probes. An entry without similar questions has
nothing to hold out: its question is asked in generated variants instead (variants.py). The ranker, scorer and
calibrator are fitted on these examples and the thresholds derived from a target precision. Nothing here looks at
evaluation data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from ..config import Settings
from ..engine.decide import Thresholds
from ..engine.embed import apply_adapter
from ..engine.features import RANKER_FEATURES, HeldOut, ranker_columns
from ..engine.logistic import Logistic
from ..engine.rank import CALIBRATION_FEATURES, LISTWISE_INPUTS, rank
from ..engine.retrieve import HybridRetriever
from ..index import Calibration, IndexData, SelfTest, make_faiss
from ..kb import KnowledgeBase
from ..kb.intents import off_domain_probes
from ..text import JiebaSegmenter, Normalizer
from .examples import IN_SCOPE, Example
from .overlaps import find_overlaps
from .users import left_out
from .variants import fallback_counts, fallback_used, variant_examples

CROSS_FOLDS = 4  # each fold's adapter learns from 3/4 of the questions, close to the final one
MIN_SENSITIVE_EXAMPLES = 50  # examples picking a sensitive entry needed to set its threshold from them alone


@dataclass(frozen=True)
class Scored:
    """The examples as the fitted models see them: calibration inputs, whether the pick is right, weights."""

    inputs: np.ndarray
    correct: np.ndarray
    top3: np.ndarray
    weight: np.ndarray
    kinds: np.ndarray
    sensitive: np.ndarray  # the pick is a risk: sensitive entry
    failures: list[dict[str, str]]
    tops: np.ndarray  # the entry ranked first (-1: none)

    @property
    def inscope(self) -> np.ndarray:
        return np.isin(self.kinds, IN_SCOPE)


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
                 holdout: np.ndarray | None = None) -> list[Example]:
        s = self.settings
        owner = base.question_entry
        # the sample is drawn from the questions calibration asks (not the learned or users' ones it only searches)
        asked = np.arange(len(owner)) if holdout is None else np.flatnonzero(holdout)
        sample = {int(asked[k]) for k in question_sample(len(asked), s.calibration_max_queries, s.seed)}
        # the asked questions outside the sample are still asked once, for the self-test alone ("check")
        unsampled = set(asked.tolist()) - sample
        has_peer = np.bincount(owner)[owner] >= 2
        probes = off_domain_probes()
        probe_raw = self.encode([self.segmenter.canonical(self.normalizer.normalize(p)) for p in probes],
                                "embedding probes")
        examples: list[Example] = []
        for f in range(CROSS_FOLDS):
            matrix = matrices[f]
            vectors = apply_adapter(matrix, raw)
            # exact search for the held-out questions: cheap for a few thousand queries even at 100k questions,
            # and it spares four HNSW graph builds (minutes each at that size)
            data = replace(base, vectors=vectors, faiss=make_faiss(vectors, "flat", s.hnsw_min_vectors))
            retriever = HybridRetriever(data, self.normalizer, self.segmenter, s.candidates)
            queries = [i for i in range(len(owner)) if fold[i] == f and i in sample and has_peer[i]
                       and (holdout is None or holdout[i])]
            self._held_out(retriever, vectors, queries, f, examples)
            checks = [i for i in range(len(owner)) if fold[i] == f and i in unsampled and has_peer[i]]
            self._held_out(retriever, vectors, checks, f, examples, check=True)
            lonely = [i for i in range(len(owner)) if fold[i] == f and i in sample and not has_peer[i]]
            examples += variant_examples(retriever, matrix, lonely, self.encode, s.seed + f)
            pv = apply_adapter(matrix, probe_raw)
            for p, text in enumerate(probes[f::CROSS_FOLDS]):
                query = retriever.prepare(text)
                c = retriever.candidates(query, pv[f + CROSS_FOLDS * p])
                examples.append(Example((), c.features, c.entries, len(query.words), -1, "probe"))
        return examples

    def user_examples(self, kb: KnowledgeBase, base: IndexData, raw: np.ndarray, matrix: np.ndarray | None,
                      origin: np.ndarray | None = None) -> list[Example]:
        """The KB's labelled users' questions (tune/*.jsonl), asked as the service will ask them: against every
        KB question, through the final adapter (which never saw them); a question the KB also learned from the
        traffic (``learned:``) with that copy left out, and with the users' questions indexed beside the KB's
        (``origin``: their tune file, users.py) every question of its own file left out."""
        if not kb.tune:
            return []
        vectors = apply_adapter(matrix, raw)
        data = replace(base, vectors=vectors, faiss=make_faiss(vectors, "flat", self.settings.hnsw_min_vectors))
        retriever = HybridRetriever(data, self.normalizer, self.segmenter, self.settings.candidates)
        queries = [retriever.prepare(q.query) for q in kb.tune]
        qv = apply_adapter(matrix, self.encode([q.norm for q in queries], "embedding users' questions"))
        row = {e.id: n for n, e in enumerate(kb.entries)}
        examples = []
        for labelled, query, vector, same in zip(kb.tune, queries, qv, left_out(kb, base.question_texts, origin),
                                                 strict=True):
            if same:  # also indexed (learned from the traffic, or a tune file's): asked as the next user will ask it
                sims, ids = retriever.dense_search(vector[None, :])
                c = retriever.candidates_held_out(query, vector, (sims[0], ids[0]), retriever.lexical_scores(query),
                                                  HeldOut(questions=np.array(same)))
            else:
                c = retriever.candidates(query, vector)
            golds = tuple(row[e] for e in labelled.expected)
            examples.append(Example(golds, c.features, c.entries, len(query.words), -1,
                                    "user" if golds else "user_oos"))
        return examples

    def _held_out(self, retriever: HybridRetriever, vectors: np.ndarray, queries: list[int], f: int,
                  examples: list[Example], check: bool = False) -> None:
        """Each question asked with itself left out (in scope) and with its whole entry left out (not); a
        ``check`` only with itself left out, for the self-test."""
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
            examples.append(Example((gold,), c.features, c.entries, len(query.words), i, "check" if check else "in"))
            if check:
                continue
            c = retriever.candidates_held_out(query, vectors[i], hit, lex, HeldOut(entry=gold))
            examples.append(Example((), c.features, c.entries, len(query.words), i, "oos"))


class Calibrator:
    """Fits the ranker, the scorer and the calibrator on the cross-fitted examples; derives the thresholds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fit(self, kb: KnowledgeBase, base: IndexData, examples: list[Example]
            ) -> tuple[Calibration, SelfTest, list[dict[str, str]]]:
        s = self.settings
        checks = [e for e in examples if e.kind == "check"]
        examples = [e for e in examples if e.kind != "check"]
        cols = ranker_columns(RANKER_FEATURES)
        ranker, scorer = self.fit_rankers(examples, cols)
        sc = self._score(kb, base, examples, ranker, scorer, cols)
        checked = self._score(kb, base, checks, ranker, scorer, cols)
        names = calibration_inputs(bool(kb.tune))
        inputs = sc.inputs[:, [CALIBRATION_FEATURES.index(n) for n in names]]
        calibrator = Logistic.fit(inputs, sc.correct, sc.weight)
        p = calibrator.proba(inputs)
        y, w = sc.correct, sc.weight
        t_answer = answer_threshold(p, y, w, s.target_precision)
        t_sensitive = sensitive_threshold(p, y, w, sc.sensitive, s.sensitive_target_precision, t_answer)
        t_clarify = min(t_answer, clarify_threshold(p, sc.top3, w, t_answer, s.clarify_recall))
        thresholds = Thresholds(answer=t_answer, answer_sensitive=t_sensitive, clarify=t_clarify)
        calibration = Calibration(
            ranker=ranker.to_dict(RANKER_FEATURES), scorer=scorer.to_dict(RANKER_FEATURES),
            calibrator=calibrator.to_dict(names), thresholds=thresholds.to_dict(),
            target_precision=s.target_precision, sensitive_target_precision=s.sensitive_target_precision,
            priors={"unanswerable": s.unanswerable_share, "offdomain": s.offdomain_share},
            examples={"in_scope": int(sc.inscope.sum()), "out_of_scope": int((~sc.inscope).sum()),
                      "users_in_scope": int((sc.kinds == "user").sum()),
                      "users_out_of_scope": int((sc.kinds == "user_oos").sum()),
                      **fallback_counts(kb, examples)},
            held_out=held_out_figures(p, sc, t_answer), fallback=fallback_used(examples),
        )
        failures = sc.failures + checked.failures
        selftest = replace(self_test(sc, checked), overlaps=find_overlaps(kb, examples, sc.tops))
        return calibration, selftest, failures

    def fit_rankers(self, examples: list[Example], cols: np.ndarray) -> tuple[Logistic, Logistic]:
        """The listwise ranker and the pointwise scorer, from the in-scope examples (one list of candidates
        each; a question that several entries answer counts once, shared among them)."""
        weights = self._kind_weights(examples)
        rows = [(ex.features[:, cols], ex.labels, weights[ex.kind]) for ex in examples if ex.kind in IN_SCOPE]
        scorer = Logistic.fit(np.vstack([r[0] for r in rows]), np.concatenate([r[1] for r in rows]),
                              np.concatenate([np.full(len(r[1]), r[2]) for r in rows]))
        lists = [(x, int(g), w / y.sum()) for x, y, w in rows for g in np.flatnonzero(y)]
        if not lists:
            return scorer, scorer
        ranker = Logistic.fit_listwise([x for x, _, _ in lists], [g for _, g, _ in lists],
                                       weight=[w for _, _, w in lists])
        return ranker, scorer

    def _score(self, kb: KnowledgeBase, base: IndexData, examples: list[Example], ranker: Logistic,
               scorer: Logistic, cols: np.ndarray) -> Scored:
        qfeat, correct, top3, weight, sensitive, tops = [], [], [], [], [], []
        kind_weight = self._kind_weights(examples)
        failures: list[dict[str, str]] = []
        for ex in examples:
            x = ex.features[:, cols]
            order, inputs = rank(ranker.logit(x), scorer.logit(x), ex.features, ex.n_words)
            ranked = ex.entries[order]
            qfeat.append(inputs)
            top = int(ranked[0]) if len(ranked) else -1
            tops.append(top)
            correct.append(float(top in ex.golds))
            top3.append(float(bool(set(ex.golds) & set(ranked[:3].tolist()))))
            weight.append(kind_weight[ex.kind])
            sensitive.append(top >= 0 and kb.entries[top].risk == "sensitive")
            if ex.kind in ("in", "check") and top not in ex.golds:
                failures.append({"entry": kb.entries[ex.golds[0]].id, "question": base.question_texts[ex.question],
                                 "retrieved": kb.entries[top].id if top >= 0 else ""})
        return Scored(inputs=np.array(qfeat), correct=np.array(correct), top3=np.array(top3),
                      weight=np.array(weight), kinds=np.array([e.kind for e in examples]),
                      sensitive=np.array(sensitive, dtype=bool), failures=failures, tops=np.array(tops))

    def _kind_weights(self, examples: list[Example]) -> dict[str, float]:
        return kind_weights(Counter(e.kind for e in examples), self.settings)


def calibration_inputs(users: bool) -> tuple[str, ...]:
    """The calibrator's inputs. The ranker's own margin only when it learns from users' questions: the KB's
    paraphrases alone make listwise margins look surer than they are (on ths_faq, without users' questions, the
    margin lifted coverage but left precision under its target)."""
    return CALIBRATION_FEATURES if users else tuple(n for n in CALIBRATION_FEATURES if n not in LISTWISE_INPUTS)


def kind_weights(counts: Mapping[str, int], settings: Settings) -> dict[str, float]:
    """Per-example weights of each kind that make the examples mirror the assumed traffic: in scope
    (``in``: held-out KB questions, ``user``: the KB's labelled users' questions), in-domain but unanswerable
    (``oos``: a question with its entry left out, ``user_oos``: users' questions no entry answers) and
    off-domain (``probe``). Users' questions, where a KB has them, carry ``settings.tune_share`` of their
    class: they are what the service will be asked, the KB's paraphrases only a proxy. The weights are scaled so
    that a held-out KB question weighs 1 when there are no users' questions."""
    s = settings
    n = {k: counts.get(k, 0) for k in ("in", "oos", "probe", "user", "user_oos")}
    n["in"] += counts.get("variant", 0)  # a variant stands for the held-out question its entry lacks
    n["oos"] += counts.get("variant_oos", 0)
    mass = n["in"] or max(n["user"], 1)
    in_share = 1.0 - s.unanswerable_share - s.offdomain_share
    classes = {"in": ("user", 1.0), "oos": ("user_oos", s.unanswerable_share / in_share)}
    out = {"probe": mass * s.offdomain_share / in_share / max(n["probe"], 1)}
    for kb_kind, (user_kind, prior) in classes.items():
        user = s.tune_share if n[user_kind] else 0.0
        kb_part = 1.0 - user if n[kb_kind] else 0.0
        total = (user + kb_part) or 1.0
        out[kb_kind] = mass * prior * kb_part / total / max(n[kb_kind], 1)
        out[user_kind] = mass * prior * user / total / max(n[user_kind], 1)
    out["variant"], out["variant_oos"], out["check"] = out["in"], out["oos"], 0.0  # check: the self-test's alone
    return out


def self_test(sc: Scored, checked: Scored) -> SelfTest:
    """Leave-one-out retrieval of the KB's own questions (users' questions are not part of it): the calibration
    sample's and every other one (``checked``), whatever FAQ_CALIBRATION_MAX_QUERIES."""
    correct = np.concatenate([sc.correct[sc.kinds == "in"], checked.correct])
    top3 = np.concatenate([sc.top3[sc.kinds == "in"], checked.top3])
    return SelfTest(
        queries=len(correct),
        top1=float(correct.mean()) if len(correct) else 1.0,
        recall_at_3=float(top3.mean()) if len(top3) else 1.0,
        failed_entries=tuple(sorted({f["entry"] for f in sc.failures + checked.failures})),
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


def sensitive_threshold(p: np.ndarray, correct: np.ndarray, weight: np.ndarray, sensitive: np.ndarray,
                        target: float, answer: float) -> float:
    """The stricter target holds for the answers that pick a risk: sensitive entry (for all answers in a KB with
    too few of them to judge); never below the answer threshold."""
    pick = sensitive if sensitive.sum() >= MIN_SENSITIVE_EXAMPLES else np.ones(len(p), dtype=bool)
    return max(answer, answer_threshold(p[pick], correct[pick], weight[pick], target))


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
