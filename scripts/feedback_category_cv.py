"""Cross-validated category macro-F1 of the feedback models on the KB's feedback examples, with folds by message
or by labelled topic (every paraphrase of one topic in one fold: what a new message of a new topic meets), at
other L2 strengths and with or without balanced class weights. What L2_KIND and the balanced category models of
assistant/build/feedback.py were picked with; the vocabulary and the models come from its own helpers, fitted on
the training folds (the vocabulary from all their labelled messages, as the build makes it).

    python scripts/feedback_category_cv.py [--index index/current] [--kb kb] [--l2 0.003 0.01 0.03 0.1 0.3 1]
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.build.feedback import one_vs_rest, vocabulary_of
from assistant.config import Settings
from assistant.engine.assistant import Assistant
from assistant.engine.feedback import CATEGORIES, features
from assistant.evaluation.feedback import macro_f1
from assistant.kb.examples import FEEDBACK_EXAMPLES, read_feedback_examples

FOLDS = 5


def fold_of(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest(), 16) % FOLDS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="index/current")
    ap.add_argument("--kb", default="kb")
    ap.add_argument("--l2", type=float, nargs="+", default=[0.003, 0.01, 0.03, 0.1, 0.3, 1.0])
    args = ap.parse_args()
    bot = Assistant.from_index(Path(args.index), Settings(kb_dir=Path(args.kb), answer_cache_size=0))
    problems: list[str] = []
    examples = read_feedback_examples(Path(args.kb) / FEEDBACK_EXAMPLES, problems)
    assert not problems, problems
    read = [bot.retriever.prepare(e.text) for e in examples]
    said = [q.said for q in read]
    vectors = bot.embedder.encode([q.norm for q in read])
    fb = np.array([e.feedback for e in examples], dtype=bool)
    categories = np.array([e.category if e.feedback else "" for e in examples])
    print(dict(Counter(categories[fb].tolist())))
    for by_topic in (False, True):
        # the look-alike questions only count for the vocabulary, which the build makes from every labelled message
        folds = np.array([fold_of((e.topic or e.text) if by_topic and e.feedback else e.text) for e in examples])
        for balanced in (False, True):
            for l2 in args.l2:
                predicted = np.empty(len(examples), dtype=object)
                for k in range(FOLDS):
                    train = folds != k
                    vocabulary = vocabulary_of(s for s, t in zip(said, train, strict=True) if t)
                    x = np.vstack([features(s, v, vocabulary) for s, v in zip(said, vectors, strict=True)])
                    models = one_vs_rest(x[train & fb], categories[train & fb].tolist(), CATEGORIES, l2, balanced)
                    for i in np.flatnonzero((folds == k) & fb):
                        scores = {c: float(m.logit(x[i : i + 1])[0]) for c, m in models.items()}
                        predicted[i] = max(scores, key=scores.__getitem__)
                f1 = macro_f1(categories[fb].tolist(), predicted[fb].tolist())
                print(f"folds by {'topic' if by_topic else 'message'}, balanced {balanced}, l2 {l2}: "
                      f"category macro-F1 {f1:.4f}", flush=True)


if __name__ == "__main__":
    main()
