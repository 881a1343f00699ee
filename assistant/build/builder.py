"""Build an index version from a KB: embed, adapt, calibrate on held-out KB questions (calibrate.py), write,
publish. This module only orchestrates the stages and times them."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .. import index as index_mod
from ..config import Settings
from ..engine.embed import Embedder, apply_adapter, load_embedder, model_name
from ..engine.query import QueryPreparer
from ..errors import SelfTestFailed
from ..index import IndexData, KbText, Manifest, ModelInfo
from ..kb import KnowledgeBase
from ..text import JiebaSegmenter, Normalizer
from . import adapter as adapter_mod
from .calibrate import CROSS_FOLDS, Calibrator, CrossFitter, folds
from .examples import asked_in_calibration
from .feedback import fit_feedback_models
from .intents import fit_intent_models
from .reuse import build_settings
from .tune import TuneConfig, fine_tune
from .users import with_users_questions

log = logging.getLogger("assistant")


@dataclass
class BuildResult:
    version: Path | None
    data: IndexData
    manifest: Manifest
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per build stage, also in the manifest


class _Clock:
    """Seconds per build stage."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage], self.last = round(now - self.last, 2), now


def tune_holdout(owner: np.ndarray, seed: int, share: float = 0.25) -> np.ndarray:
    """Questions fine-tuning must not see: about a quarter of each entry's (at least one, for entries with three
    or more), so that calibration measures the tuned model on questions new to it."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(owner), dtype=bool)
    for rows in adapter_mod.entry_groups(owner, np.ones(len(owner), dtype=bool)):
        if len(rows) >= 3:
            out[rng.choice(rows, max(1, round(share * len(rows))), replace=False)] = True
    return out


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
        s, clock = self.settings, _Clock()
        origin = None
        if s.index_users_questions:
            kb, origin = with_users_questions(kb)
        segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
        text = KbText.read(kb, self.normalizer, segmenter)  # embedded as the questions asked will be read
        texts = list(text.texts)
        owner = np.array([n for n, e in enumerate(kb.entries) for _ in e.questions], dtype=np.int64)
        holdout, model = None, None
        if tune is not None and work is not None:
            holdout = tune_holdout(owner, s.seed)
            model = self._fine_tune(texts, owner, holdout, tune, work)
            clock.lap("fine_tune")
        raw = self._encode(texts, "embedding questions")
        clock.lap("embed")
        model_dir = work / model.folder if work is not None and model is not None and model.folder else None
        data, failures = self._assemble(kb, text, segmenter, raw, holdout, origin, model, model_dir, clock)
        if data.manifest.selftest is not None and data.manifest.selftest.top1 < s.selftest_floor:
            raise SelfTestFailed(
                f"KB self-test top-1 {data.manifest.selftest.top1:.3f} is below the floor {s.selftest_floor}; "
                f"{len(failures)} questions fail (see `assistant check-kb --selftest`)"
            )
        result = BuildResult(version=None, data=data, manifest=data.manifest, failures=failures, stages=clock.stages)
        if root is not None:
            result.version = index_mod.write_version(data, root, kb.sha256)
            if publish:
                index_mod.publish(root, result.version)
            clock.lap("write")
        result.seconds = time.perf_counter() - clock.started
        return result

    def _fine_tune(self, texts: list[str], owner: np.ndarray, holdout: np.ndarray, tune: TuneConfig,
                   work: Path) -> ModelInfo:
        s = self.settings
        folder = work / f"{Path(s.model).name}-tuned"
        tuned = fine_tune(s.model, texts, owner, folder, holdout, tune, s.device, self.progress)
        self.embedder = load_embedder(s.model_copy(update={"model": str(folder)}))
        return ModelInfo(self.embedder.name, self.embedder.dimension, base=model_name(s.model, s.runtime),
                         folder=folder.name, tuned=tuned)

    def _assemble(self, kb: KnowledgeBase, text: KbText, segmenter: JiebaSegmenter, raw: np.ndarray,
                  holdout: np.ndarray | None, origin: np.ndarray | None, tuned: ModelInfo | None,
                  model_dir: Path | None, clock: _Clock) -> tuple[IndexData, list[dict[str, str]]]:
        """The lexical index, the adapters, calibration and the final FAISS index, with their manifest.
        ``origin``: per question, the tune file of a user's question indexed with the KB's (-1: the KB's own)."""
        s = self.settings
        own = np.ones(len(raw), dtype=bool) if origin is None else origin < 0
        kind = s.index_kind if s.index_kind != "auto" else ("hnsw" if len(raw) >= s.hnsw_min_vectors else "flat")
        manifest = index_mod.new_manifest(kb.source, kb.sha256, len(kb.entries), kb.question_count,
                                          self.embedder.name, self.embedder.dimension, kind)
        manifest = replace(manifest, build_settings=build_settings(s))
        if tuned is not None:
            manifest = replace(manifest, model=tuned)
        # the base's own FAISS index is never searched (each fold and the final index get theirs): keep it flat
        base = index_mod.assemble(kb, raw, self.normalizer, segmenter, manifest, "flat", s.hnsw_min_vectors, text)
        clock.lap("lexical")
        fold = folds(base)
        # the fold adapters (each without its fold's questions) and the final one, trained side by side with the
        # early-stopping run that picks their step count
        info, (*fold_matrices, matrix) = adapter_mod.fit_early_stopped(
            raw[own], base.question_entry[own], [(fold != f)[own] for f in range(CROSS_FOLDS)] + [None],
            adapter_mod.AdapterConfig(seed=s.seed))
        clock.lap("adapters")
        fitter = CrossFitter(s, self.normalizer, segmenter, self._encode, self.progress)
        asked = asked_in_calibration(kb)
        examples = fitter.examples(base, raw, fold, fold_matrices, asked if holdout is None else asked & holdout)
        examples += fitter.user_examples(kb, base, raw, matrix, origin)
        calibration, selftest, failures = Calibrator(s).fit(kb, base, examples)
        clock.lap("calibration")
        vectors = apply_adapter(matrix, raw)
        data = replace(base, vectors=vectors, faiss=index_mod.make_faiss(vectors, s.index_kind, s.hnsw_min_vectors),
                       adapter=matrix, model_dir=model_dir)
        clock.lap("faiss")
        read = QueryPreparer(self.normalizer, segmenter, text.pinyin.table, text.pinyin.common)
        # the intent examples are the feedback models' questions too
        encode = _EncodeOnce(self.embedder.encode, vector_store(s.cache_dir, self.embedder))
        texts = [t for t, keep in zip(base.question_texts, own, strict=True) if keep]
        models = fit_intent_models(kb, texts, raw[own], encode, lambda t: read.prepare(t).norm)
        if feedback := fit_feedback_models(kb, texts, raw[own], encode, read.prepare):
            models = {**models, "feedback": feedback}
        data = replace(data, intent_models=models)
        clock.lap("intents")
        manifest = replace(manifest, adapter=info, confidence=calibration, selftest=selftest,
                           build_seconds=dict(clock.stages))  # the write is not in it yet
        return replace(data, manifest=manifest), failures

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


class _EncodeOnce:
    """An embedder's ``encode`` that encodes each text once: the intent and feedback models read the same intent
    examples (6858 in the shipped KB, ~30 s of int8 encoding one text a run on 2 cores). With ``store`` (a folder
    of the cache for this model), each list of texts encoded is kept there too, so that the next build of a KB
    with the same labelled examples reads their vectors instead (~25k texts, a minute of the shipped KB's
    build; a publish from the admin console and the tests' builds of the fixture KB reuse them)."""

    KEEP = 24  # the store keeps the lists most recently used

    def __init__(self, encode: Callable[[list[str]], np.ndarray], store: Path | None = None) -> None:
        self._encode = encode
        self._store = store
        self._seen: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self._seen))
        if new:
            self._seen.update(zip(new, self._stored(new), strict=True))
        if not texts:
            return self._encode([])
        return np.vstack([self._seen[t] for t in texts])

    def _stored(self, texts: list[str]) -> np.ndarray:
        if self._store is None:
            return self._encode(texts)
        path = self._store / f"{hashlib.sha256(chr(0).join(texts).encode()).hexdigest()[:32]}.npy"
        try:
            vectors: np.ndarray = np.load(path)
            if vectors.shape[0] == len(texts):
                os.utime(path)
                return vectors
        except (OSError, ValueError):
            pass
        vectors = self._encode(texts)
        try:
            self._store.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self._store, suffix=".tmp", delete=False) as fh:
                np.save(fh, vectors)
            os.replace(fh.name, path)
            for old in sorted(self._store.glob("*.npy"), key=lambda p: p.stat().st_mtime)[: -self.KEEP]:
                old.unlink(missing_ok=True)
        except OSError as e:  # a read-only or full cache only costs the next build the encoding
            log.warning("could not keep the examples' vectors in %s: %s", self._store, e)
        return vectors


def vector_store(cache_dir: Path, embedder: Embedder) -> Path | None:
    """The cache folder for vectors of this embedder's model (its name and a digest of its files), or None for
    an embedder without a model folder."""
    folder = getattr(embedder, "path", None)
    if not folder or not Path(folder).is_dir():
        return None
    from ..engine.onnx import model_key

    return cache_dir / "vectors" / f"{embedder.name}-{model_key(Path(folder))}"
