"""The feedback models (engine/feedback.py), learned at build time from the KB's labelled messages
(``feedback_examples.jsonl``: feedback with its category, area and sentiment, and look-alike questions), with the
KB's own questions and its intent examples as more questions. A KB without the file gets no feedback models, and
its assistant takes nothing as feedback.

The settings were picked by 5-fold cross-validation on the labelled set's tune part."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from ..engine.feedback import AREAS, CATEGORIES, SENTIMENTS, FeedbackModels, feature_matrix, grams
from ..engine.logistic import Inputs, Logistic
from ..engine.query import Query
from ..kb import KnowledgeBase
from ..kb.examples import FEEDBACK_EXAMPLES, INTENT_LABELS, FeedbackExample, read_feedback_examples

MIN_GRAM_COUNT = 5  # an n-gram joins the vocabulary when this many training messages have it
L2 = 0.3
# category, area, sentiment (cross-validated category macro-F1 0.87 on the tune part; 0.81 at 0.3). The category
# models weigh each class as much as the rest (one_vs_rest balanced): 5-fold CV with every topic's paraphrases in
# one fold (the 1112 feedback examples of 2026-11-30), macro-F1 0.890 -> 0.893 (0.932 -> 0.936 folded by message)
L2_KIND = 0.01
QUESTION_WEIGHT = 0.3  # the KB's questions together weigh this much of the labelled messages
# the intent examples that join the KB's questions as messages that are not feedback: those of every label
# (without human and legal, scripts/feedback_cv.py: recall 0.930 -> 0.937 but the ths_faq KB proxy 2.04% -> 2.59%)
NOT_FEEDBACK_INTENTS = INTENT_LABELS
# cross-validated through the whole assistant (scripts/feedback_cv.py, 1579 examples, with the gates of
# engine/feedback.py at the same value): recall 0.852, precision 0.965, ths_faq KB questions taken 1.6% (0.55:
# 0.823, 0.973, 1.4%; 0.45: 0.855, 0.962, 1.7%). On the 1268 examples before tune_extra3 had it 0.55: 0.864, 3.7%
THRESHOLD = 0.5


def fit_feedback_models(kb: KnowledgeBase, questions: Sequence[str], questions_raw: np.ndarray,
                        encode: Callable[[list[str]], np.ndarray], read: Callable[[str], Query]) -> dict[str, Any]:
    """``FeedbackModels.to_dict()``, or {} when the KB folder has no feedback examples."""
    folder = kb.source if kb.source.is_dir() else kb.source.parent
    problems: list[str] = []
    examples = read_feedback_examples(Path(folder) / FEEDBACK_EXAMPLES, problems)
    if not examples or problems:
        return {}
    labelled = [read(e.text) for e in examples]
    extra = [read(t) for t, label in kb.intent_examples if label in NOT_FEEDBACK_INTENTS]
    said = [q.said for q in labelled]
    others = [read(q).said for q in questions] + [q.said for q in extra]
    x_lab = encode([q.norm for q in labelled])
    x_oth = np.vstack([questions_raw, encode([q.norm for q in extra])]) if extra else questions_raw
    return fit(examples, said, x_lab, others, x_oth).to_dict()


def fit(examples: Sequence[FeedbackExample], said: Sequence[str], vectors: np.ndarray, questions: Sequence[str],
        question_vectors: np.ndarray, threshold: float = THRESHOLD, l2: float = L2, l2_kind: float = L2_KIND
        ) -> FeedbackModels:
    """The models from labelled messages (normalised text and vector) and more questions (the keyword arguments:
    for scripts/feedback_cv.py)."""
    vocabulary = vocabulary_of(said)
    x_lab = feature_matrix(said, vectors, vocabulary)
    x_q = feature_matrix(questions, question_vectors, vocabulary)
    n_lab, n_q = x_lab.shape[0], x_q.shape[0]
    y = np.array([e.feedback for e in examples] + [False] * n_q, dtype=float)
    weight = np.concatenate([np.ones(n_lab), np.full(n_q, QUESTION_WEIGHT * n_lab / max(n_q, 1))])
    is_feedback = Logistic.fit(sparse.vstack([x_lab, x_q], format="csr"), y, weight, l2=l2)
    x_fb = Inputs(x_lab[np.flatnonzero([e.feedback for e in examples])])  # shared by the 24 models below
    chosen = [e for e in examples if e.feedback]
    return FeedbackModels(vocabulary=vocabulary, is_feedback=is_feedback, threshold=threshold,
                          categories=one_vs_rest(x_fb, [e.category for e in chosen], CATEGORIES, l2_kind,
                                                 balanced=True),
                          areas=one_vs_rest(x_fb, [e.area for e in chosen], AREAS, l2_kind),
                          sentiments=one_vs_rest(x_fb, [e.sentiment for e in chosen], SENTIMENTS, l2_kind),
                          centre=np.vstack([vectors, question_vectors]).mean(0))


def vocabulary_of(said: Iterable[str]) -> dict[str, int]:
    """The n-grams (column numbers) of the feature vectors: those that this many of the messages have."""
    counts = Counter(g for s in said for g in grams(s))
    return {g: i for i, g in enumerate(sorted(g for g, n in counts.items() if n >= MIN_GRAM_COUNT))}


def one_vs_rest(x: np.ndarray | Inputs, values: Sequence[str], classes: tuple[str, ...], l2: float = L2_KIND,
                balanced: bool = False) -> dict[str, Logistic]:
    """One logistic per class that occurs in ``values`` (one label a row of ``x``). ``balanced``: each class's
    messages weigh as much as the rest together, so that a small category (praise, other) is not drowned by
    feature requests."""
    labels = np.array(values)
    x = x if isinstance(x, Inputs) else Inputs(x)
    out = {}
    for c in classes:
        y = (labels == c).astype(float)
        if not y.any():
            continue
        w = np.where(y == 1, 0.5 / y.mean(), 0.5 / max(1 - y.mean(), 1e-9)) if balanced else None
        out[c] = Logistic.fit(x, y, w, l2=l2)
    return out
