"""The engine's one entry point: ``Assistant.ask(question) -> Reply``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import adapter as adapter_mod
from . import index as index_mod
from .batching import Coalescer
from .cache import LruCache
from .confidence import Logistic, Thresholds, rank
from .config import Settings
from .embed import Embedder, load_embedder
from .errors import InvalidQuestion
from .index import IndexData
from .retrieve import Candidates, HybridRetriever, Query, ranker_columns
from .text import JiebaSegmenter, Normalizer

Decision = Literal["answer", "clarify", "handoff"]

MESSAGES = {
    "clarify": "您是不是想问以下问题？请点选最接近的一项，或换个说法再问一次。",
    "handoff": "这个问题我还不能准确回答，已为您转接人工客服，请稍候。",
    "human": "好的，正在为您转接人工客服，请稍候。",
    "safety": "您的安全最重要。如遇紧急危险，请立即拨打110（报警）或120（急救）。我们已为您优先转接人工客服。",
    "sensitive": "如果以上内容没有解决您的问题，可以点击「转人工」联系人工客服。",
}


@dataclass(frozen=True)
class AnswerRef:
    id: str
    question: str
    answer: str
    category: str
    matched_question: str
    team: str | None
    risk: str


@dataclass(frozen=True)
class Alternative:
    id: str
    question: str
    score: float


@dataclass(frozen=True)
class Reply:
    question: str
    decision: Decision
    confidence: float
    answer: AnswerRef | None
    alternatives: tuple[Alternative, ...]
    reason: str
    message: str
    team: str
    offer_human: bool
    timing: dict[str, float] = field(default_factory=dict)
    session: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    id: str
    question: str
    answer: str
    category: str
    matched_question: str
    team: str | None
    risk: str
    score: float


@dataclass(frozen=True)
class Ranked:
    """Candidates in ranked order with the calibrated probability that the first is right."""

    query: Query
    entries: np.ndarray
    scores: np.ndarray
    matched: np.ndarray
    confidence: float
    timing: dict[str, float]


def validate_question(question: object, max_chars: int, normalizer: Normalizer | None = None) -> str:
    """The question as text, or InvalidQuestion saying what is wrong with it."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    text = question.strip()
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestion(f"the question is {len(text)} characters long; at most {max_chars} are allowed")
    if not (normalizer or Normalizer()).normalize(text):
        raise InvalidQuestion("the question has no readable text")
    return text


def serving_threads() -> Any:
    """For a process that serves questions: numpy's (and FAISS's) BLAS run on the calling thread. A coalesced
    batch of questions makes matrix products big enough for OpenBLAS to start its own threads, which then spin
    while they wait: on 2 cores, beside another worker and the model, that cost the service over a third of its
    throughput (32 clients: 190 against 380 answers/s). The service's parallelism is its worker processes.
    The limit holds for the process; used as a context manager, until the block ends."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


class Assistant:
    """Answers questions from one loaded index. Thread-safe: concurrent questions are ranked together, in
    batches (batching.Coalescer), and repeated questions are served from a cache of recent rankings."""

    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings) -> None:
        self.data = data
        self.embedder: Embedder = embedder
        self._batches: Coalescer[Ranked] = Coalescer(self._rank_fresh, settings.batch_size, settings.batch_wait_ms)
        self.settings = settings
        self.cache: LruCache[str, Ranked] = LruCache(settings.answer_cache_size)
        self.normalizer = Normalizer()
        self.retriever = HybridRetriever(data, self.normalizer, JiebaSegmenter(data.dict_terms, data.synonyms),
                                         settings.candidates)
        conf = data.manifest["confidence"]
        self.ranker = Logistic.from_dict(conf["ranker"])
        self.ranker_columns = ranker_columns(conf["ranker"]["features"])
        self.scorer = Logistic.from_dict(conf["scorer"])
        self.scorer_columns = ranker_columns(conf["scorer"]["features"])
        self.calibrator = Logistic.from_dict(conf["calibrator"])
        t = conf["thresholds"]
        answer = settings.answer_threshold if settings.answer_threshold is not None else t["answer"]
        self.thresholds = Thresholds(
            answer=answer,
            answer_sensitive=max(answer, t["answer_sensitive"]),
            clarify=settings.clarify_threshold if settings.clarify_threshold is not None else t["clarify"],
        )

    @classmethod
    def from_index(cls, path: Path | str, settings: Settings, embedder: Embedder | None = None) -> Assistant:
        """Load an index version; ``embedder`` is reused when it is the model the index was built with (the
        configured model, or the fine-tuned one a `--tune` version carries), otherwise that model is loaded."""
        tuned = index_mod.tuned_model(Path(path)) if Path(path).exists() else None
        wanted = Path(tuned or settings.model).resolve()
        if embedder is None or Path(str(getattr(embedder, "path", ""))).resolve() != wanted:
            embedder = load_embedder(settings.model_copy(update={"model": str(wanted)}) if tuned else settings)
        data = index_mod.load(Path(path), embedder.name, embedder.dimension)
        return cls(data, embedder, settings)

    @property
    def version(self) -> str:
        return self.data.path.name if self.data.path else "in-memory"

    # ---- public API ---------------------------------------------------------------------------------------

    def ask(self, question: object, *, session: str | None = None) -> Reply:
        return self.ask_many([question], session=session)[0]

    def ask_many(self, questions: Sequence[object], *, session: str | None = None) -> list[Reply]:
        """Answer several questions, embedding them in one batch (used by eval and request coalescing)."""
        started = time.perf_counter()
        texts = [self.validate(q) for q in questions]
        ranked = self.rank_many(texts)
        per_question = (time.perf_counter() - started) * 1e3 / max(len(texts), 1)
        return [self._decide(r, session, per_question) for r in ranked]

    def ask_ranked(self, question: object) -> tuple[Reply, Ranked]:
        """The reply together with the full ranking behind it (for evaluation)."""
        started = time.perf_counter()
        ranked = self.rank_many([self.validate(question)])[0]
        return self._decide(ranked, None, (time.perf_counter() - started) * 1e3), ranked

    def suggest(self, question: object, k: int = 5) -> list[Suggestion]:
        """Ranked entries with their scores, for agents (no decision, no handoff rules)."""
        r = self.rank_many([self.validate(question)])[0]
        out = []
        for pos in range(min(k, len(r.entries))):
            e = self.data.entries[int(r.entries[pos])]
            out.append(Suggestion(
                id=e.id, question=e.question, answer=e.answer, category=e.category,
                matched_question=self.data.question_texts[int(r.matched[pos])], team=e.team, risk=e.risk,
                score=round(self._share(r.scores, pos, r.confidence), 4),
            ))
        return out

    def validate(self, question: object) -> str:
        return validate_question(question, self.settings.max_question_chars, self.normalizer)

    # ---- stages -------------------------------------------------------------------------------------------

    def embed(self, norms: list[str]) -> np.ndarray:
        return adapter_mod.apply(self.data.adapter, self.embedder.encode(norms))

    def rank_many(self, texts: list[str]) -> list[Ranked]:
        """Rankings of validated questions; those seen recently (by normalised text) come from the cache."""
        t0 = time.perf_counter()
        keys = [self.normalizer.normalize(t) for t in texts]
        found = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(found) if r is None]
        fresh = self._batches.run([texts[i] for i in missing]) if missing else []
        for i, r in zip(missing, fresh, strict=True):
            self.cache.put(keys[i], r)
            found[i] = r
        hit = {"cache_ms": (time.perf_counter() - t0) * 1e3 / len(texts)}
        out = []
        for i, (text, ranked) in enumerate(zip(texts, found, strict=True)):
            assert ranked is not None
            out.append(ranked if i in missing else replace(ranked, query=replace(ranked.query, text=text), timing=hit))
        return out

    def _rank_fresh(self, texts: list[str]) -> list[Ranked]:
        t0 = time.perf_counter()
        queries = [self.retriever.prepare(t) for t in texts]
        t1 = time.perf_counter()
        vectors = self.embed([q.norm for q in queries])
        t2 = time.perf_counter()
        sims, ids = self.retriever.dense_search(vectors)
        t3 = time.perf_counter()
        share = 1e3 / len(texts)
        out = []
        for n, query in enumerate(queries):
            c = self.retriever.candidates(query, vectors[n], (sims[n], ids[n]))
            timing = {"prepare_ms": (t1 - t0) * share, "embed_ms": (t2 - t1) * share,
                      **c.timing, "dense_ms": (t3 - t2) * share}
            out.append(self._rank(query, c, timing))
        return out

    def _rank(self, query: Query, c: Candidates, timing: dict[str, float]) -> Ranked:
        t0 = time.perf_counter()
        scores = self.ranker.logit(c.features[:, self.ranker_columns])
        order, qf = rank(scores, self.scorer.logit(c.features[:, self.scorer_columns]), c.features,
                         len(query.words))
        confidence = float(self.calibrator.proba(qf[None, :])[0]) if len(order) else 0.0
        timing = {**timing, "rank_ms": (time.perf_counter() - t0) * 1e3}
        return Ranked(query, c.entries[order], scores[order], c.matched[order], confidence, timing)

    @staticmethod
    def _share(scores: np.ndarray, pos: int, confidence: float) -> float:
        """A 0..1 score per alternative: the top gets the calibrated confidence, the rest their softmax share."""
        if pos == 0:
            return confidence
        weights = np.exp(scores - scores.max())
        return float(weights[pos] / weights.sum())

    def _decide(self, r: Ranked, session: str | None, total_ms: float) -> Reply:
        data = self.data
        alternatives = tuple(
            Alternative(id=data.entries[int(e)].id, question=data.entries[int(e)].question,
                        score=round(self._share(r.scores, pos, r.confidence), 4))
            for pos, e in enumerate(r.entries[: self.settings.alternatives])
        )
        top = data.entries[int(r.entries[0])] if len(r.entries) else None
        base = Reply(
            question=r.query.text, decision="handoff", confidence=round(r.confidence, 4), answer=None,
            alternatives=alternatives, reason="", message=MESSAGES["handoff"],
            team=(top.team if top is not None and top.team else None) or self.settings.default_team,
            offer_human=True, timing={**{k: round(v, 3) for k, v in r.timing.items()}, "total_ms": round(total_ms, 3)},
            session=session,
        )
        return self._by_rule(r, base) or self._by_confidence(r, base)

    def _by_rule(self, r: Ranked, base: Reply) -> Reply | None:
        """Safety and legal words, or an explicit request for a person, go to a human whatever the score."""
        triggers = self.data.triggers
        safety = next((w for w in triggers.safety if w in r.query.norm), None)
        if safety:
            return replace(base, team="safety", message=MESSAGES["safety"],
                           reason=f"the question mentions「{safety}」(safety or legal)")
        human = next((w for w in triggers.human if w in r.query.norm), None)
        if human:
            return replace(base, message=MESSAGES["human"], reason=f"the user asked for a person (「{human}」)")
        return None

    def _by_confidence(self, r: Ranked, base: Reply) -> Reply:
        th, p = self.thresholds, r.confidence
        if not len(r.entries):
            return replace(base, reason="nothing in the KB matches")
        top = self.data.entries[int(r.entries[0])]
        sensitive = top.risk == "sensitive"
        needed = th.answer_sensitive if sensitive else th.answer
        matched = self.data.question_texts[int(r.matched[0])]
        clarify = replace(base, decision="clarify", message=MESSAGES["clarify"])
        if p >= needed:
            if len(r.query.words) < 2 and self.normalizer.normalize(matched) != r.query.norm:
                return replace(clarify, reason=f"confidence {p:.2f}, but a one-word question is too short to be sure")
            ref = AnswerRef(id=top.id, question=top.question, answer=top.answer, category=top.category,
                            matched_question=matched, team=top.team, risk=top.risk)
            return replace(base, decision="answer", answer=ref, offer_human=sensitive,
                           message=MESSAGES["sensitive"] if sensitive else "",
                           reason=f"confidence {p:.2f} >= answer threshold {needed:.2f}"
                           + (" (sensitive entry)" if sensitive else ""))
        if p >= th.clarify:
            return replace(clarify, reason=f"confidence {p:.2f} between clarify {th.clarify:.2f} and answer {needed:.2f}")
        return replace(base, reason=f"confidence {p:.2f} below the clarify threshold {th.clarify:.2f}")
