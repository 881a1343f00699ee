"""The intent and emotion models: one-vs-rest logistic regressions on the model's (unadapted) vectors, learned at
build time from the KB's labelled examples (kb/intent_examples.jsonl, kb/emotion_examples.jsonl), with the KB's
own questions and its users' labelled questions as ordinary questions and the shipped off-domain probes as
off-domain. They back the patterns of intents.yaml up where users say the same thing in words no pattern has
(engine/intent.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.logistic import Logistic
from ..kb import KnowledgeBase
from ..kb.intents import off_domain_probes

INTENT_CLASSES = ("human", "safety", "legal", "smalltalk", "offdomain")
EMOTION_CLASSES = ("angry", "anxious", "distressed")
ASK_CHARS = 12  # a request for a person this short joins a danger in asking_too
# the intent models' ridge: for the safety model 1e-2 and 3e-2 gave the same cross-validated figures (31 of 1816
# near-misses; handoff recall 0.9872, 0.9872, 0.9868 with 1e-3, 1e-2, 3e-2); its confident mistakes are not overfitting
L2_INTENT = 1e-3
L2_EMOTION = 1e-2
# the KB's questions learned as calm, in all half as heavy as the labelled examples. Cross-validated on the 396
# examples (scripts/emotions_cv.py, 5 folds): upset precision 0.924 -> 0.967, upset recall 0.934 -> 0.916, neutral
# recall 0.798 -> 0.917 (without -> 0.5); the KB's labelled users' questions (kb/tune) read as upset 34% -> 13%.
# 1.0: 0.966, 0.895, 0.917, 11%; 2.0: 0.970, 0.895, 0.927, 10%
CALM_WEIGHT = 0.5


def fit_intent_models(kb: KnowledgeBase, questions_raw: np.ndarray, encode: Callable[[list[str]], np.ndarray],
                      normalize: Callable[[str], str]) -> dict[str, Any]:
    """``{"intents": {class: params}, "emotions": {class: params}}``, each part only when the KB has examples."""
    out: dict[str, Any] = {}
    if kb.intent_examples:
        probes, users = off_domain_probes(), users_questions(kb)
        x = np.vstack([encode([normalize(t) for t, _ in kb.intent_examples]), questions_raw,
                       encode([normalize(p) for p in probes]), encode([normalize(q) for q in users])])
        y = np.array([label for _, label in kb.intent_examples] + ["question"] * len(questions_raw)
                     + ["offdomain"] * len(probes) + ["question"] * len(users))
        dangers, questions = asking_too(kb.intent_examples, "safety"), asking_too(kb.intent_examples, "question")
        classes = tuple(c for c in INTENT_CLASSES if not (dangers and c == "safety"))
        out["intents"] = _one_vs_rest(x, y, classes, l2=L2_INTENT)
        if dangers:  # the safety model alone learns these, fitted once with them
            x_safety = np.vstack([x, encode([normalize(t) for t in dangers + questions])])
            y_safety = np.concatenate([y == "safety", np.ones(len(dangers)), np.zeros(len(questions))]).astype(float)
            safety = Logistic.fit(x_safety, y_safety, l2=L2_INTENT).to_dict(["vector"])
            out["intents"] = {c: safety if c == "safety" else out["intents"][c] for c in INTENT_CLASSES
                              if c == "safety" or c in out["intents"]}
    if kb.emotion_examples:
        x = encode([normalize(t) for t, _ in kb.emotion_examples])
        y = np.array([label for _, label in kb.emotion_examples])
        out["emotions"] = fit_emotion_models(x, y, questions_raw)
    return out


def fit_emotion_models(x: np.ndarray, y: np.ndarray, calm: np.ndarray, calm_weight: float = CALM_WEIGHT
                       ) -> dict[str, Any]:
    """One model per feeling, from the labelled examples and ``calm`` questions (the KB's own), which are learned
    as feeling nothing, together weighing ``calm_weight`` times the examples. From the examples alone the models
    heard a feeling in a third of the KB's plain users' questions (粉丝团灯牌咋点亮: angry)."""
    if not len(calm) or calm_weight <= 0:
        return _one_vs_rest(x, y, EMOTION_CLASSES, l2=L2_EMOTION)
    weight = np.concatenate([np.ones(len(x)), np.full(len(calm), calm_weight * len(x) / len(calm))])
    return _one_vs_rest(np.vstack([x, calm]), np.concatenate([y, np.full(len(calm), "neutral")]), EMOTION_CLASSES,
                        l2=L2_EMOTION, weight=weight)


def users_questions(kb: KnowledgeBase) -> list[str]:
    """The KB's labelled users' questions (tune/*.jsonl) that an entry outside the safety team answers: ordinary
    questions the way users type them, beside the entries' tidier paraphrases (held out, the safety model heard
    danger in 发出去画质糊了 at 0.88 and in PK值明明我们高却判输了). Those the safety team's entries answer
    (有个人放话要弄死我) are left out: they are often dangers. Cross-validated (scripts/intents_cv.py, 4225
    examples): near-misses 30 -> 28 of 1643 at the same handoff recall (0.9879); the fresh set held14 and the tune
    questions' held-out halves (scripts/tune_holdout.py) did not move."""
    team = {e.id: e.team for e in kb.entries}
    return [q.query for q in kb.tune if q.in_scope and any(team.get(i) != "safety" for i in q.expected)]


def asking_too(examples: tuple[tuple[str, str], ...], label: str) -> list[str]:
    """Each example of ``label`` said again with a short request for a person before or after it (找人工 有人说要来
    我家…): a user in danger often asks for someone too, and the safety model must not hear only the request (held
    set held9: 我要找客服经理 有人把我妹妹照片和学校发出来…, safety 0.12 without these). The requests are the
    examples' own, taken in turn. Only the safety model learns them, the dangers so joined as dangers and the
    questions so joined as not: the request-for-a-person model keeps hearing the request, and the safety model
    does not hear danger in the request itself. Cross-validated (scripts/intents_cv.py, 3345 examples): safety
    0.9797 -> 0.9822 with near-misses 13 -> 13 (dangers alone: 0.9835 and 16; in every model: human 0.9944 ->
    0.9916); held10, asked before it was read: safety 0.878 -> 0.933."""
    asks = [t for t, said in examples if said == "human" and len(t) <= ASK_CHARS]
    dangers = [t for t, said in examples if said == label]
    if not asks:
        return []
    return [f"{asks[i % len(asks)]} {t}" if i % 2 else f"{t} {asks[i % len(asks)]}" for i, t in enumerate(dangers)]


def _one_vs_rest(x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], l2: float,
                 weight: np.ndarray | None = None) -> dict[str, Any]:
    return {c: Logistic.fit(x, (y == c).astype(float), weight, l2=l2).to_dict(["vector"]) for c in classes
            if (y == c).any()}
