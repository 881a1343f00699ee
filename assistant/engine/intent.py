"""What a message is before it is a question: safety and legal threats, a request for a person, small talk,
off-domain requests (``intents.yaml``), and how the user feels.

Two kinds of evidence. Patterns catch the phrasings people use again and again, and stay exact where a miss is
costly (a threat handed to the bot); an ``unless`` pattern vetoes a near-miss (杀青 is not a threat, 客服电话是多少
is a how-to). Examples catch the rest by meaning: the message's vector against the examples' vectors, in the
model's own space. Off-domain requests are the ones much nearer to the off-domain examples (and the shipped
probes) than to any KB question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..kb.intents import EMOTIONS, HANDOFF_INTENTS, SMALLTALK_KINDS, IntentRule, Intents, off_domain_probes

QUESTION = "question"
NEUTRAL = "neutral"
_PUNCT = re.compile(r"[\s,.!?;:~，。！？；：、…～·]+")


@dataclass(frozen=True)
class Intent:
    name: str  # "question", "safety", "legal", "human", "smalltalk.<kind>", "offdomain"
    reason: str = ""
    emotion: str = NEUTRAL  # "angry", "anxious", "distressed" or "neutral"

    @property
    def smalltalk(self) -> bool:
        return self.name.startswith("smalltalk.") or self.name == "offdomain"


@dataclass(frozen=True)
class IntentThresholds:
    """How close (cosine of the model's vectors) a message must be to an intent's examples; an off-domain one
    must also be far from the KB (its nearest KB question, adapted space, below ``offdomain_kb``) and that much
    nearer the off-domain examples. Tuned on the intents tune set (tests/fixtures/eval/intents/tune.jsonl)."""

    handoff: float = 0.92
    smalltalk: float = 0.93
    offdomain_margin: float = 0.34
    offdomain_kb: float = 0.6
    emotion: float = 0.92


class _Rule:
    def __init__(self, rule: IntentRule) -> None:
        self.name = rule.name
        self.patterns = [re.compile(p) for p in rule.patterns]
        self.unless = [re.compile(p) for p in rule.unless]

    def match(self, text: str) -> str | None:
        """The matched words, unless a veto pattern matches too."""
        found = next((m.group(0) for p in self.patterns if (m := p.search(text))), None)
        if found is None or any(u.search(text) for u in self.unless):
            return None
        return found

    def vetoed(self, text: str) -> bool:
        return any(u.search(text) for u in self.unless)


class IntentDetector:
    """``detect(norm, vector, kb_similarity) -> Intent`` for a normalised message and its (adapted) vector."""

    def __init__(self, intents: Intents, embed: Callable[[list[str]], np.ndarray],
                 thresholds: IntentThresholds | None = None, normalize: Callable[[str], str] = str) -> None:
        self.thresholds = thresholds or IntentThresholds()
        self.rules = {r.name: _Rule(r) for r in intents.rules}
        texts, labels = [], []
        for r in intents.rules:
            for example in r.examples:
                texts.append(normalize(example))
                labels.append(r.name)
        for probe in off_domain_probes():
            texts.append(normalize(probe))
            labels.append("offdomain")
        self.labels = np.array(labels)
        self.vectors = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def detect(self, norm: str, vector: np.ndarray, kb_similarity: float) -> Intent:
        emotion = self._emotion(norm, vector)
        for name in HANDOFF_INTENTS:
            rule = self.rules.get(name)
            words = rule.match(norm) if rule else None
            if words:
                return Intent(name, f"「{words}」", emotion)
        bare = _PUNCT.sub("", norm)
        for kind in SMALLTALK_KINDS:
            rule = self.rules.get(f"smalltalk.{kind}")
            if rule is not None and bare and rule.match(bare):
                return Intent(f"smalltalk.{kind}", f"「{bare}」", emotion)
        if not bare and norm.strip():
            return Intent("smalltalk.ping", "punctuation only", emotion)
        return self._by_meaning(norm, vector, kb_similarity, emotion)

    def _by_meaning(self, norm: str, vector: np.ndarray, kb_similarity: float, emotion: str) -> Intent:
        if not len(self.labels):
            return Intent(QUESTION, "", emotion)
        sims = self.vectors @ vector
        t = self.thresholds
        for name in (*HANDOFF_INTENTS, *(f"smalltalk.{k}" for k in SMALLTALK_KINDS)):
            mask = self.labels == name
            if not mask.any():
                continue
            best = float(sims[mask].max())
            rule = self.rules.get(name)
            if best >= (t.handoff if name in HANDOFF_INTENTS else t.smalltalk) and not (rule and rule.vetoed(norm)):
                return Intent(name, f"close to an example ({best:.2f})", emotion)
        mask = self.labels == "offdomain"
        off = float(sims[mask].max()) if mask.any() else 0.0
        rule = self.rules.get("offdomain")
        if (kb_similarity < t.offdomain_kb and off - kb_similarity >= t.offdomain_margin
                and not (rule and rule.vetoed(norm))):
            return Intent("offdomain", f"off-domain ({off:.2f}), far from the KB ({kb_similarity:.2f})", emotion)
        return Intent(QUESTION, "", emotion)

    def _emotion(self, norm: str, vector: np.ndarray) -> str:
        for name in EMOTIONS:
            rule = self.rules.get(f"emotion.{name}")
            if rule is not None and rule.match(norm):
                return name
        if len(self.labels):
            sims = self.vectors @ vector
            for name in EMOTIONS:
                mask = self.labels == f"emotion.{name}"
                if mask.any() and float(sims[mask].max()) >= self.thresholds.emotion:
                    return name
        return NEUTRAL
