"""Cross-validated emotion figures on the KB's labelled examples (kb/emotion_examples.jsonl = the tune parts of
tests/fixtures/eval/emotion), for a few weights of the KB's own questions learned as calm (build/intents.py,
CALM_WEIGHT): the emotion models are fitted without one fold, and that fold is read as the service reads a message
(the intents.yaml emotion patterns first, then the models). Also: the share of the KB's labelled users' questions
(kb/tune, mostly plain questions) read as upset, with the models fitted on every example; and, with --held FILE, a
labelled set's figures ({"text", "emotion"} lines) with those models.

    python scripts/emotions_cv.py [--index index/current] [--folds 5] [--weights 0 0.5 1 2] [--held FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def figures(said: list[str], gold: list[str]) -> dict[str, float]:
    upset = [s != "neutral" for s in said]
    wanted = [g != "neutral" for g in gold]
    hits = sum(u and w for u, w in zip(upset, wanted, strict=True))
    calm = [s == "neutral" for s, g in zip(said, gold, strict=True) if g == "neutral"]
    return {"accuracy": round(float(np.mean([s == g for s, g in zip(said, gold, strict=True)])), 3),
            "upset_precision": round(hits / max(sum(upset), 1), 3),
            "upset_recall": round(hits / max(sum(wanted), 1), 3),
            "neutral_recall": round(float(np.mean(calm)) if calm else 0.0, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "index" / "current")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    parser.add_argument("--held", type=Path)
    args = parser.parse_args()
    from assistant.build.intents import fit_emotion_models
    from assistant.config import Settings
    from assistant.engine.assistant import Assistant
    from assistant.engine.logistic import Logistic
    from assistant.kb import load_kb

    bot = Assistant.from_index(args.index, Settings(answer_cache_size=0))
    kb = load_kb(ROOT / "kb")
    detector = bot.intents

    def read(texts: list[str]) -> tuple[list[str], np.ndarray]:
        queries = [bot.retriever.prepare(t) for t in texts]
        return [q.said for q in queries], bot.embedder.encode([q.norm for q in queries])

    def feelings(models: dict[str, Any], said: list[str], x: np.ndarray) -> list[str]:
        detector.emotion_model = {c: Logistic.from_dict(p) for c, p in models.items()}
        return [detector.detect(s, v, kb_similarity=0.9).emotion for s, v in zip(said, x, strict=True)]

    texts = [t for t, _ in kb.emotion_examples]
    gold = np.array([label for _, label in kb.emotion_examples])
    said, x = read(texts)
    _, calm = read(list(bot.data.question_texts))
    users_said, users_x = read([q.query for q in kb.tune])
    held = [json.loads(line) for line in args.held.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if args.held else []
    held_said, held_x = read([h["text"] for h in held]) if held else ([], np.zeros((0, x.shape[1])))
    fold = np.array([int(hashlib.md5(t.encode()).hexdigest(), 16) % args.folds for t in texts])
    for weight in args.weights:
        out = [""] * len(texts)
        for k in range(args.folds):
            models = fit_emotion_models(x[fold != k], gold[fold != k], calm, weight)
            rows = np.where(fold == k)[0]
            for i, e in zip(rows, feelings(models, [said[i] for i in rows], x[rows]), strict=True):
                out[i] = e
        models = fit_emotion_models(x, gold, calm, weight)
        users = feelings(models, users_said, users_x)
        line: dict[str, Any] = {"calm_weight": weight, "cv": figures(out, list(gold)),
                                "users_questions_read_as_upset": round(np.mean([u != "neutral" for u in users]), 3)}
        if held:
            line["held"] = figures(feelings(models, held_said, held_x), [h["emotion"] for h in held])
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
