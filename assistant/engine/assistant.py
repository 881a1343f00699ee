"""The engine's one entry point: ``Assistant.ask(question) -> Reply``.

A question passes the stages in order: query (normalise, segment), embed (model + adapter), retrieve (FAISS and
BM25 candidates, scored per entry), rank (ranker + calibrator), decide (answer, clarify or hand off). Concurrent
questions are ranked together (batching.Coalescer) and recent rankings are cached by normalised text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np

from .. import index as index_mod
from ..config import Settings
from ..errors import InvalidQuestion
from ..index import IndexData
from ..text import JiebaSegmenter, Normalizer
from .batching import Coalescer
from .cache import LruCache
from .context import FollowUps, PriorTurn, Reading, compose
from .decide import Decider, Reply, Suggestion, Thresholds, related_entries
from .embed import Embedder, apply_adapter, index_runtime, load_embedder
from .features import F
from .feedback import FeedbackDetector
from .focus import Focuser
from .intent import QUESTION, IntentDetector
from .intent_feedback import read_feedback
from .query import Query, validate_question
from .rank import Ranked, Ranker
from .retrieve import HybridRetriever

log = logging.getLogger("assistant")
# a message this short that looks off-domain alone may be a follow-up; unless it is this like an off-domain example
# (the dialogue tune set's short follow-ups: 0.76-0.89; the intents tune set's off-domain requests: median 0.83)
FOLLOW_UP_CHARS = 10
OFFDOMAIN_LIKE = 0.9
# a question longer than this that the KB answers alone is not ranked again in the conversation's context
STANDS_ALONE_CHARS = 12
# a longer message read as feedback alone is read in context only when the message alone ranks the entry the
# conversation points to this high (feedback after an unrelated question stays feedback: on the feedback tune part
# after a random KB question, 7 of 357 were answered instead, all still recorded; 3 with 5, 26 with 50)
BACKED_WITHIN = 10
# only a follow-up longer than this is read again whole when its composed reading is unsure (README, follow-ups)
REREAD_CHARS = 18


@dataclass(frozen=True)
class Ask:
    """One message of a conversation, for ``Assistant.ask_batch``."""

    question: object
    session: str | None = None
    channel: str = "web"
    prior: Sequence[PriorTurn] = ()


class Assistant:
    """Answers questions from one loaded index. Thread-safe: concurrent questions are ranked together, in
    batches (batching.Coalescer), and repeated questions are served from a cache of recent rankings."""

    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings) -> None:
        self.data = data
        self.embedder: Embedder = embedder
        self.settings = settings
        self._batches: Coalescer[Reading, Ranked] = Coalescer(self._rank_fresh, settings.batch_size,
                                                              settings.batch_wait_ms)
        self.cache: LruCache[str, Ranked] = LruCache(settings.answer_cache_size)
        # the model's vectors of recent texts (Query.norm): a follow-up's contextual vector is made of its parts'
        self.vectors: LruCache[str, np.ndarray] = LruCache(settings.answer_cache_size)
        self.normalizer = Normalizer()
        self.retriever = HybridRetriever(data, self.normalizer, JiebaSegmenter.shared(data.dict_terms, data.synonyms),
                                         settings.candidates)
        conf = data.manifest.calibration
        self.ranker = Ranker(conf.ranker, conf.scorer, conf.calibrator)
        t = conf.thresholds
        answer = settings.answer_threshold if settings.answer_threshold is not None else t["answer"]
        self.thresholds = Thresholds(
            answer=answer,
            answer_sensitive=max(answer, t["answer_sensitive"]),
            clarify=settings.clarify_threshold if settings.clarify_threshold is not None else t["clarify"],
        )
        self.decider = Decider(data, self.thresholds, self.normalizer, settings.alternatives, settings.default_team,
                               related_entries(data))
        # examples are embedded as messages are read (pinyin, canonical words); patterns see the user's own words
        self.intents = IntentDetector(data.intents, embedder.encode, models=data.intent_models,
                                      normalize=lambda t: self.retriever.prepare(t).norm)
        self.followups = FollowUps()
        self.focuser = Focuser(self.retriever.prepare, self._vectors_of)
        self.runtime_note: str | None = None  # set by from_index when the index chose another runtime
        self.feedback = FeedbackDetector(data.intent_models.get("feedback"))

    @classmethod
    def from_index(cls, path: Path | str, settings: Settings, embedder: Embedder | None = None) -> Assistant:
        """Load an index version; ``embedder`` is reused when it is the model the index was built with (the
        configured model, or the fine-tuned one a `--tune` version carries, run by the runtime that made its
        vectors), otherwise that model is loaded. An index built with the other FAQ_RUNTIME (int8 against fp32)
        is served with the runtime it was built with, and the service says so (``runtime_note``, logged)."""
        manifest = index_mod.read_manifest(Path(path).resolve()) if Path(path).exists() else None
        tuned = index_mod.tuned_model(Path(path), manifest) if manifest is not None else None
        wanted = Path(tuned or settings.model).resolve()
        runtime = index_runtime(manifest.model.name, settings.runtime) if manifest is not None else settings.runtime
        note = None
        if runtime != settings.runtime:
            note = (f"index {Path(path).resolve().name} was built with FAQ_RUNTIME={runtime}, and FAQ_RUNTIME is "
                    f"{settings.runtime}: serving it with {runtime}. To serve with {settings.runtime}, run "
                    f"`assistant build` with it (the service loads the new version by itself); or set "
                    f"FAQ_RUNTIME={runtime}")
            log.warning(note)
        if (embedder is None or Path(str(getattr(embedder, "path", ""))).resolve() != wanted
                or (manifest is not None and embedder.name != manifest.model.name)):
            embedder = load_embedder(settings.model_copy(update={"model": str(wanted), "runtime": runtime}))
        data = index_mod.load(Path(path), embedder.name, embedder.dimension)
        assistant = cls(data, embedder, settings)
        assistant.runtime_note = note
        return assistant

    @property
    def batches(self) -> int:
        """Batches ranked so far (concurrent questions share one)."""
        return self._batches.batches

    @property
    def version(self) -> str:
        return self.data.path.name if self.data.path else "in-memory"

    # ---- public API ---------------------------------------------------------------------------------------

    def ask(self, question: object, *, session: str | None = None, channel: str = "web",
            prior: Sequence[PriorTurn] = ()) -> Reply:
        """One message; ``prior``: the conversation's earlier messages, for follow-ups (oldest first)."""
        return self.ask_ranked(question, prior, session=session, channel=channel)[0]

    def ask_ranked(self, question: object, prior: Sequence[PriorTurn] = (), *, session: str | None = None,
                   channel: str = "web") -> tuple[Reply, Ranked]:
        """``ask``'s reply together with the full ranking behind it (for evaluation)."""
        started = time.perf_counter()
        text = self.validate(question)
        ranked, context = self._rank_in_context(text, prior)
        reply = self.decider.decide(ranked, session, (time.perf_counter() - started) * 1e3, channel)
        return self._finish(reply, context, text, prior), ranked

    def _finish(self, reply: Reply, context: str | None, text: str, prior: Sequence[PriorTurn]) -> Reply:
        """The reply with the context the message was read in, and with the part of the answer it asks about when
        the entry the conversation has just shown answers it again (focus.py); its related questions were offered
        under that answer already, and are not offered again."""
        shown = next((p.entry_id for p in reversed(prior) if p.entry_id), None)
        again = reply.decision == "answer" and reply.answer is not None and reply.answer.id == shown
        part = self.focuser.pick(text, reply.answer.answer) if again and reply.answer is not None else None
        return replace(reply, context=context or reply.context, focus=part.text if part else None,
                       related=() if again else reply.related)

    def _rank_in_context(self, text: str, prior: Sequence[PriorTurn]) -> tuple[Ranked, str | None]:
        alone = self.rank_many([text])[0]
        reading = self._in_context(text, prior, alone)
        if reading is None:
            return alone, None
        return self._resolve(text, alone, self._rank_readings([reading])[0], reading.text)

    def _in_context(self, text: str, prior: Sequence[PriorTurn], alone: Ranked) -> Reading | None:
        """The message as read in the conversation's context, or None when it is read alone."""
        parts = self.followups.parts(text, prior)
        if parts is None or self._stands_alone(alone):
            return None
        return Reading(" ".join(parts)[-self.settings.max_question_chars:], parts,
                       reread=len(alone.query.norm) > REREAD_CHARS)

    def _resolve(self, text: str, alone: Ranked, within: Ranked, contextual: str) -> tuple[Ranked, str | None]:
        """The ranking to decide on, from the message alone and in context, and the context it was read in."""
        # small talk or a request for a person is what it is in any context; a follow-up too short to say what it
        # is about (那要怎么解, 多久能解) looks off-domain alone, and is a question once the topic is before it; a
        # known off-domain request (今天天气怎么样, near an off-domain example; 快手直播怎么开, by a pattern) stays one
        short = len(alone.query.norm) <= FOLLOW_UP_CHARS
        # ...and a short one that alone reads as feedback (开好了, 还是不行) is a question too: the conversation says
        # what it is about, and feedback read into the topic's words is the topic's question
        loose = (alone.intent.name == "offdomain" and alone.intent.evidence != "pattern"
                 and alone.intent.likeness < OFFDOMAIN_LIKE or alone.intent.name == "feedback")
        # a longer one (可我一次都没刷过 数据是被大号转发以后才涨的, 这样也不让发？) is read in the conversation when
        # that reading is one the KB answers; feedback stays feedback, answered and recorded as the Decider sees fit
        # (dialogues/tune_long.jsonl: 28 of 100 long follow-ups were read alone; last-turn top-1 0.57 -> 0.63)
        kept = not short and alone.intent.name == "feedback"
        read_in = short or self._answers(within) and _backed(alone, within)
        if (alone.intent.name != QUESTION and not (loose and read_in)
                or within.intent.name not in (QUESTION, "feedback")):
            return alone, None
        chosen = self.followups.combine(alone, within)
        if chosen is alone and (alone.intent.name == QUESTION or kept):
            return alone, None
        # how this message, not the topic, feels
        intent = alone.intent if kept else replace(within.intent, name=QUESTION, reason="", feedback=None,
                                                    emotion=alone.intent.emotion)
        return replace(chosen, query=replace(chosen.query, text=text), intent=intent), contextual

    def _stands_alone(self, alone: Ranked) -> bool:
        """A question the KB answers by itself, too long to be a bare follow-up, is not read into the conversation:
        ranking it again with the topic before it costs a second, longer text to embed and rank, and keeps it as
        it is (dialogue tune set: no turn of 255 changes; with 10 characters instead of 12, one did)."""
        if alone.intent.name != QUESTION or len(alone.query.norm) <= STANDS_ALONE_CHARS:
            return False
        return self._answers(alone)

    def _answers(self, ranked: Ranked) -> bool:
        """Whether the KB's first entry for this ranking is confident enough to be the answer."""
        if not len(ranked.entries):
            return False
        return ranked.confidence >= self.thresholds.to_answer(self.data.entries[int(ranked.entries[0])].risk)

    def ask_batch(self, asks: Sequence[Ask]) -> list[Reply | InvalidQuestion]:
        """Several conversations' messages at once, as ``ask`` answers each (the same replies), with their
        rankings done together: every message alone in one batch, then those read in their conversation's context
        in a second. A message that is not a valid question gets its error in its place."""
        started = time.perf_counter()
        texts: list[str | InvalidQuestion] = []
        for a in asks:
            try:
                texts.append(self.validate(a.question))
            except InvalidQuestion as exc:
                texts.append(exc)
        valid = [i for i, t in enumerate(texts) if isinstance(t, str)]
        alone = dict(zip(valid, self.rank_many([cast(str, texts[i]) for i in valid]), strict=True))
        readings = {i: r for i in valid
                    if (r := self._in_context(cast(str, texts[i]), asks[i].prior, alone[i])) is not None}
        within = dict(zip(readings, self._rank_readings(list(readings.values())), strict=True))
        ms = (time.perf_counter() - started) * 1e3
        out: list[Reply | InvalidQuestion] = []
        for i, (a, text) in enumerate(zip(asks, texts, strict=True)):
            if isinstance(text, InvalidQuestion):
                out.append(text)
                continue
            ranked, context = (self._resolve(text, alone[i], within[i], readings[i].text) if i in within
                               else (alone[i], None))
            out.append(self._finish(self.decider.decide(ranked, a.session, ms, a.channel), context, text, a.prior))
        return out

    def ask_many(self, questions: Sequence[object], *, session: str | None = None) -> list[Reply]:
        """Answer several questions, embedding them in one batch (used by eval and request coalescing)."""
        started = time.perf_counter()
        texts = [self.validate(q) for q in questions]
        ranked = self.rank_many(texts)
        per_question = (time.perf_counter() - started) * 1e3 / max(len(texts), 1)
        return [self.decider.decide(r, session, per_question) for r in ranked]

    def suggest(self, question: object, k: int = 5) -> list[Suggestion]:
        """Ranked entries with their scores, for agents (no decision, no handoff rules)."""
        return self.decider.suggestions(self.rank_many([self.validate(question)])[0], k)

    def has_ranking(self, question: object) -> bool:
        """Whether the question alone is ranked in the cache (a repeat): then answering it costs no model run."""
        try:
            return self.normalizer.normalize(self.validate(question)) in self.cache
        except InvalidQuestion:
            return False

    def validate(self, question: object) -> str:
        return validate_question(question, self.settings.max_question_chars)

    # ---- stages -------------------------------------------------------------------------------------------

    def embed(self, norms: list[str]) -> np.ndarray:
        return apply_adapter(self.data.adapter, self.embedder.encode(norms))

    def rank_many(self, texts: list[str]) -> list[Ranked]:
        """Rankings of validated questions; those seen recently (by normalised text) come from the cache."""
        return self._rank_readings([Reading(t) for t in texts])

    def _rank_readings(self, readings: list[Reading]) -> list[Ranked]:
        if not readings:
            return []
        t0 = time.perf_counter()
        keys = [self.normalizer.normalize(r.text) for r in readings]
        found = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(found) if r is None]
        fresh = self._batches.run([readings[i] for i in missing]) if missing else []
        for i, r in zip(missing, fresh, strict=True):
            self.cache.put(keys[i], r)
            found[i] = r
        hit = {"cache_ms": (time.perf_counter() - t0) * 1e3 / len(readings)}
        out = []
        for i, (reading, ranked) in enumerate(zip(readings, found, strict=True)):
            assert ranked is not None
            out.append(ranked if i in missing
                       else replace(ranked, query=replace(ranked.query, text=reading.text), timing=hit))
        return out

    def _rank_fresh(self, readings: list[Reading]) -> list[Ranked]:
        t0 = time.perf_counter()
        queries = [self.retriever.prepare(r.text) for r in readings]
        t1 = time.perf_counter()
        raw = self._model_vectors(queries, readings)
        out = self._rank_queries(queries, raw, t0, t1)
        # a long follow-up whose composed reading is not confident is read by the model, whole (REREAD_CHARS): with
        # composed vectors alone the dialogue tune sets' long follow-ups lost answers (README)
        again = [n for n, r in enumerate(readings) if r.reread and not self._answers(out[n])]
        if again:
            whole = [queries[n] for n in again]
            vectors = self._model_vectors(whole, [Reading(readings[n].text) for n in again])
            for n, ranked in zip(again, self._rank_queries(whole, vectors, t0, t1), strict=True):
                out[n] = ranked
        return out

    def _rank_queries(self, queries: list[Query], raw: np.ndarray, t0: float, t1: float) -> list[Ranked]:
        vectors = apply_adapter(self.data.adapter, raw)
        t2 = time.perf_counter()
        sims, ids = self.retriever.dense_search(vectors)
        t3 = time.perf_counter()
        share = 1e3 / len(queries)
        out = []
        for n, query in enumerate(queries):
            c = self.retriever.candidates(query, vectors[n], (sims[n], ids[n]))
            timing = {"prepare_ms": (t1 - t0) * share, "embed_ms": (t2 - t1) * share,
                      **c.timing, "dense_ms": (t3 - t2) * share}
            ranked = self.ranker.rank(query, c, timing)
            kb_similarity = float(c.features[:, F.dense_max].max()) if len(c.entries) else 0.0
            intent = read_feedback(self.feedback, self.intents.detect(query.said, raw[n], kb_similarity),
                                   query.said, raw[n])
            out.append(replace(ranked, intent=intent))
        return out

    def _model_vectors(self, queries: list[Query], readings: list[Reading]) -> np.ndarray:
        """The model's vectors of the queries; texts it read recently come from ``self.vectors``. A message read
        in its conversation is not first run through the model again with the topic before it (a text two or three
        times as long): its vector is made of its parts' vectors, the topic's questions' and its own, which the
        model read when they were asked (context.compose)."""
        parts = [tuple(self.retriever.model_text(p) for p in r.parts) if r.parts else (q.norm,)
                 for q, r in zip(queries, readings, strict=True)]
        known = self._vectors_of(list(dict.fromkeys(n for ns in parts for n in ns)))
        if not parts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([known[ns[0]] if len(ns) == 1 else compose(ns, [known[n] for n in ns]) for ns in parts])

    def _vectors_of(self, wanted: list[str]) -> dict[str, np.ndarray]:
        """The model's vectors of these model texts, those read recently from ``self.vectors``."""
        known = {n: v for n in wanted if (v := self.vectors.get(n)) is not None}
        missing = [n for n in wanted if n not in known]
        if missing:
            for n, v in zip(missing, self.embedder.encode(missing), strict=True):
                known[n] = v.copy()  # a row of its own, not a view holding the whole batch
                self.vectors.put(n, known[n])
        return known


def _backed(alone: Ranked, within: Ranked) -> bool:
    """Whether the message alone ranks the first entry of its reading in context among its first few."""
    return bool(len(within.entries)) and int(within.entries[0]) in {int(e) for e in alone.entries[:BACKED_WITHIN]}
