"""Build an index version from a KB: embed, adapt, calibrate on held-out KB questions, write, publish.

Calibration is cross-fitted: the questions are split in folds by their position in the entry; the adapter
learned without a fold scores that fold's questions, each asked with itself left out of the index (an
in-scope example) and with its whole entry left out (an out-of-scope example), plus the shipped off-domain
probes. Nothing here looks at evaluation data.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import adapter as adapter_mod
from . import index as index_mod
from .confidence import (
    CALIBRATION_FEATURES,
    Logistic,
    Thresholds,
    answer_threshold,
    clarify_threshold,
    expected_calibration_error,
    rank,
)
from .config import Settings
from .embed import Embedder, load_embedder, model_name
from .errors import SelfTestFailed
from .index import IndexData
from .kb import KnowledgeBase
from .retrieve import RANKER_FEATURES, HybridRetriever, ranker_columns
from .text import JiebaSegmenter, Normalizer
from .tune import TuneConfig, fine_tune

CROSS_FOLDS = 4  # each fold's adapter learns from 3/4 of the questions, close to the final one


@dataclass
class Example:
    gold: int  # -1 when no entry is right
    features: np.ndarray
    entries: np.ndarray
    n_words: int
    question: int = -1  # KB question index, or -1 for a probe
    kind: str = "in"  # in | oos | probe


@dataclass
class BuildResult:
    version: Path | None
    data: IndexData
    manifest: dict[str, Any]
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per build stage, also in the manifest


def tune_holdout(owner: np.ndarray, seed: int, share: float = 0.25) -> np.ndarray:
    """Questions fine-tuning must not see: about a quarter of each entry's (at least one, for entries with three
    or more), so that calibration measures the tuned model on questions new to it."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(owner), dtype=bool)
    for rows in adapter_mod.entry_groups(owner, np.ones(len(owner), dtype=bool)):
        if len(rows) >= 3:
            out[rng.choice(rows, max(1, round(share * len(rows))), replace=False)] = True
    return out


def off_domain_probes() -> list[str]:
    text = resources.files("assistant").joinpath("resources/offdomain.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class IndexBuilder:
    def __init__(self, settings: Settings, embedder: Embedder, progress: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder
        self.progress = progress
        self.normalizer = Normalizer()

    def build(self, kb: KnowledgeBase, root: Path | None = None, publish: bool = True,
              tune: TuneConfig | None = None) -> BuildResult:
        """Build; with ``root``, write a new version there (and publish it unless told not to). With ``tune``,
        fine-tune the model on the KB first (see tune.py); its held-out questions are the calibration set."""
        if tune is None:
            return self._build(kb, root, publish, None, None)
        base_embedder = self.embedder
        scratch = None
        if root is not None:  # next to the versions, so the model copy into one stays on this disk
            scratch = root / "versions"
            scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".tune-", dir=scratch) as work:
            try:
                return self._build(kb, root, publish, tune, Path(work))
            finally:
                self.embedder = base_embedder

    def _build(self, kb: KnowledgeBase, root: Path | None, publish: bool, tune: TuneConfig | None,
               work: Path | None) -> BuildResult:
        started = last = time.perf_counter()
        stages: dict[str, float] = {}

        def lap(stage: str) -> None:
            nonlocal last
            now = time.perf_counter()
            stages[stage], last = round(now - last, 2), now

        s = self.settings
        segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
        texts = [self.normalizer.normalize(q) for e in kb.entries for q in e.questions]
        owner = np.array([n for n, e in enumerate(kb.entries) for _ in e.questions], dtype=np.int64)
        holdout, tuned, folder = None, None, None
        if tune is not None and work is not None:
            holdout = tune_holdout(owner, s.seed)
            folder = work / f"{Path(s.model).name}-tuned"
            tuned = fine_tune(s.model, texts, owner, folder, holdout, tune, s.device, self.progress)
            self.embedder = load_embedder(s.model_copy(update={"model": str(folder)}))
            lap("fine_tune")
        raw = self._encode(texts, "embedding questions")
        lap("embed")
        kind = s.index_kind if s.index_kind != "auto" else ("hnsw" if len(raw) >= s.hnsw_min_vectors else "flat")
        manifest = index_mod.base_manifest(kb, self.embedder.name, self.embedder.dimension, kind)
        if folder is not None:
            manifest["model"].update({"base": model_name(s.model, s.runtime), "folder": folder.name, "tuned": tuned})
        # the base's own FAISS index is never searched (each fold and the final index get theirs): keep it flat
        base = index_mod.assemble(kb, raw, self.normalizer, segmenter, "flat", s.hnsw_min_vectors, manifest)
        lap("lexical")
        cfg = adapter_mod.AdapterConfig(seed=s.seed)
        fold = self._folds(base)
        # the fold adapters (each without its fold's questions) and the final one, trained side by side with the
        # early-stopping run that picks their step count
        info, (*fold_matrices, matrix) = adapter_mod.fit_early_stopped(
            raw, base.question_entry, [fold != f for f in range(CROSS_FOLDS)] + [None], cfg)
        lap("adapters")
        examples, ranker_rows = self._cross_fit(kb, base, raw, segmenter, fold, fold_matrices, holdout)
        calibration, failures = self._calibrate(kb, base, examples, ranker_rows)
        lap("calibration")
        vectors = adapter_mod.apply(matrix, raw)
        manifest["adapter"] = info
        manifest.update(calibration)
        data = replace(base, vectors=vectors, faiss=index_mod.make_faiss(vectors, s.index_kind, s.hnsw_min_vectors),
                       adapter=matrix, manifest=manifest, model_dir=folder)
        lap("faiss")
        manifest["build_seconds"] = dict(stages)  # the write is not in it yet
        result = BuildResult(version=None, data=data, manifest=manifest, failures=failures, stages=stages)
        if manifest["selftest"]["top1"] < s.selftest_floor:
            raise SelfTestFailed(
                f"KB self-test top-1 {manifest['selftest']['top1']:.3f} is below the floor {s.selftest_floor}; "
                f"{len(failures)} questions fail (see `assistant check-kb --selftest`)"
            )
        if root is not None:
            result.version = index_mod.write_version(data, root, kb.sha256)
            if publish:
                index_mod.publish(root, result.version)
            lap("write")
        result.seconds = time.perf_counter() - started
        return result

    def _encode(self, texts: list[str], label: str) -> np.ndarray:
        """Encode in chunks (for the progress bar), shortest texts first: batches of similar lengths carry
        little padding, which doubles the ONNX encode rate on a KB's short questions."""
        chunk = 256
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        for i in tqdm(range(0, len(texts), chunk), desc=label, unit="batch", disable=not self.progress,
                      leave=False):
            rows = order[i : i + chunk]
            out[rows] = self.embedder.encode([texts[j] for j in rows])
        return out

    @staticmethod
    def _folds(base: IndexData) -> np.ndarray:
        """Each question's cross-fitting fold, by its position in the entry."""
        owner = base.question_entry
        return np.asarray((np.arange(len(owner)) - base.starts[owner]) % CROSS_FOLDS)

    def _cross_fit(self, kb: KnowledgeBase, base: IndexData, raw: np.ndarray, segmenter: JiebaSegmenter,
                   fold: np.ndarray, matrices: list[np.ndarray | None], holdout: np.ndarray | None = None
                   ) -> tuple[list[Example], list[tuple[np.ndarray, np.ndarray]]]:
        s = self.settings
        owner = base.question_entry
        folds = CROSS_FOLDS
        sample = set(index_mod.question_sample(len(owner), s.calibration_max_queries, s.seed))
        has_peer = np.bincount(owner)[owner] >= 2
        probes = off_domain_probes()
        probe_raw = self._encode([self.normalizer.normalize(p) for p in probes], "embedding probes")
        examples: list[Example] = []
        rows: list[tuple[np.ndarray, np.ndarray]] = []
        for f in range(folds):
            matrix = matrices[f]
            vectors = adapter_mod.apply(matrix, raw)
            # exact search for the held-out questions: cheap for a few thousand queries even at 100k questions,
            # and it spares four HNSW graph builds (minutes each at that size)
            data = replace(base, vectors=vectors, faiss=index_mod.make_faiss(vectors, "flat", s.hnsw_min_vectors))
            retriever = HybridRetriever(data, self.normalizer, segmenter, s.candidates)
            queries = [i for i in range(len(owner)) if fold[i] == f and i in sample and has_peer[i]
                       and (holdout is None or holdout[i])]
            qv = vectors[queries] if queries else np.zeros((0, vectors.shape[1]), np.float32)
            sims, ids = retriever.dense_search(qv) if queries else (None, None)
            for n, i in enumerate(tqdm(queries, desc=f"calibrating ({f + 1}/{folds})", disable=not self.progress,
                                       leave=False)):
                assert sims is not None and ids is not None
                query = retriever.prepare(base.question_texts[i])
                lex = retriever.lexical_scores(query)
                hit = (sims[n], ids[n])
                gold = int(owner[i])
                c = retriever.candidates(query, vectors[i], hit, lex, exclude_questions=np.array([i]))
                examples.append(Example(gold, c.features, c.entries, len(query.words), i, "in"))
                rows.append((c.features, (c.entries == gold).astype(np.float64)))
                c = retriever.candidates(query, vectors[i], hit, lex, exclude_entry=gold)
                examples.append(Example(-1, c.features, c.entries, len(query.words), i, "oos"))
            pv = adapter_mod.apply(matrix, probe_raw)
            for p, text in enumerate(probes[f::folds]):
                query = retriever.prepare(text)
                c = retriever.candidates(query, pv[f + folds * p])
                examples.append(Example(-1, c.features, c.entries, len(query.words), -1, "probe"))
        return examples, rows

    def _calibrate(self, kb: KnowledgeBase, base: IndexData, examples: list[Example],
                   rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[dict[str, Any], list[dict[str, str]]]:
        s = self.settings
        cols = ranker_columns(RANKER_FEATURES)
        scorer = Logistic.fit(np.vstack([r[0][:, cols] for r in rows]), np.concatenate([r[1] for r in rows]))
        lists = [(r[0][:, cols], int(np.argmax(r[1]))) for r in rows if r[1].any()]
        ranker = Logistic.fit_listwise([x for x, _ in lists], [g for _, g in lists]) if lists else scorer
        qfeat, correct, top3, weight, top_entry = [], [], [], [], []
        # weights make the examples mirror the assumed traffic: in-scope, unanswerable in-domain, off-domain
        counts = {k: max(sum(e.kind == k for e in examples), 1) for k in ("in", "oos", "probe")}
        in_share = 1.0 - s.unanswerable_share - s.offdomain_share
        kind_weight = {"in": 1.0, "oos": s.unanswerable_share / in_share * counts["in"] / counts["oos"],
                       "probe": s.offdomain_share / in_share * counts["in"] / counts["probe"]}
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
            top_entry.append(top)
            if ex.kind == "in" and top != ex.gold:
                failures.append({"entry": kb.entries[ex.gold].id, "question": base.question_texts[ex.question],
                                 "retrieved": kb.entries[top].id if top >= 0 else ""})
        x, y, w = np.array(qfeat), np.array(correct), np.array(weight)
        calibrator = Logistic.fit(x, y, w)
        p = calibrator.proba(x)
        t_answer = answer_threshold(p, y, w, s.target_precision)
        t_sensitive = max(t_answer, answer_threshold(p, y, w, s.sensitive_target_precision))
        t_clarify = min(t_answer, clarify_threshold(p, np.array(top3), w, t_answer, s.clarify_recall))
        thresholds = Thresholds(answer=t_answer, answer_sensitive=t_sensitive, clarify=t_clarify)
        inscope = np.array([e.kind == "in" for e in examples])
        answered = p >= t_answer
        selftest = {
            "queries": int(inscope.sum()),
            "top1": float(y[inscope].mean()) if inscope.any() else 1.0,
            "recall@3": float(np.mean(np.array(top3)[inscope])) if inscope.any() else 1.0,
            "failed_entries": sorted({f["entry"] for f in failures}),
        }
        held_out = {
            "answered_precision": float((w * y * answered).sum() / max((w * answered).sum(), 1e-9)),
            "coverage": float((y * answered)[inscope].mean()) if inscope.any() else 0.0,
            "oos_not_answered": float(1 - answered[~inscope].mean()) if (~inscope).any() else 1.0,
            "ece": expected_calibration_error(p, y, w),
        }
        confidence = {
            "ranker": ranker.to_dict(RANKER_FEATURES),
            "scorer": scorer.to_dict(RANKER_FEATURES),
            "calibrator": calibrator.to_dict(CALIBRATION_FEATURES),
            "thresholds": thresholds.to_dict(),
            "target_precision": s.target_precision,
            "sensitive_target_precision": s.sensitive_target_precision,
            "priors": {"unanswerable": s.unanswerable_share, "offdomain": s.offdomain_share},
            "examples": {"in_scope": int(inscope.sum()), "out_of_scope": int((~inscope).sum())},
            "held_out": held_out,
        }
        return {"confidence": confidence, "selftest": selftest}, failures
