"""The intent and emotion models: one-vs-rest logistic regressions on the model's (unadapted) vectors, learned at
build time from the KB's labelled examples (kb/intent_examples.jsonl, kb/emotion_examples.jsonl), with the KB's
own questions as ordinary questions and the shipped off-domain probes as off-domain. They back the patterns of
intents.yaml up where users say the same thing in words no pattern has (engine/intent.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.logistic import Logistic
from ..kb import KnowledgeBase
from ..kb.intents import off_domain_probes

INTENT_CLASSES = ("human", "safety", "legal", "smalltalk", "offdomain")
EMOTION_CLASSES = ("angry", "anxious", "distressed")


def fit_intent_models(kb: KnowledgeBase, questions_raw: np.ndarray, encode: Callable[[list[str]], np.ndarray],
                      normalize: Callable[[str], str]) -> dict[str, Any]:
    """``{"intents": {class: params}, "emotions": {class: params}}``, each part only when the KB has examples."""
    out: dict[str, Any] = {}
    if kb.intent_examples:
        probes = off_domain_probes()
        x = np.vstack([encode([normalize(t) for t, _ in kb.intent_examples]), questions_raw,
                       encode([normalize(p) for p in probes])])
        y = np.array([label for _, label in kb.intent_examples] + ["question"] * len(questions_raw)
                     + ["offdomain"] * len(probes))
        out["intents"] = _one_vs_rest(x, y, INTENT_CLASSES, l2=1e-3)
    if kb.emotion_examples:
        x = encode([normalize(t) for t, _ in kb.emotion_examples])
        y = np.array([label for _, label in kb.emotion_examples])
        out["emotions"] = _one_vs_rest(x, y, EMOTION_CLASSES, l2=1e-2)
    return out


def _one_vs_rest(x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], l2: float) -> dict[str, Any]:
    return {c: Logistic.fit(x, (y == c).astype(float), l2=l2).to_dict(["vector"]) for c in classes if (y == c).any()}
