"""Cross-validated intent figures on the KB's own labelled examples (kb/intent_examples.jsonl = the tune parts of
tests/fixtures/eval/intents): the intent models are fitted without one fold and that fold is asked through the
whole assistant, as `assistant eval --intents` does on the report part. The patterns are the KB's (intents.yaml as
it is now, not as the index was built), so an edit is measured without a rebuild. What the intent layer is tuned with.

    python scripts/intents_cv.py [--index index/current] [--folds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.build.intents import fit_intent_models
from assistant.config import Settings
from assistant.engine.assistant import Assistant
from assistant.engine.intent import IntentDetector
from assistant.evaluation.conversation import evaluate_intents
from assistant.kb import load_kb


def fold_of(text: str, folds: int) -> int:
    return int(hashlib.md5(text.encode()).hexdigest(), 16) % folds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="index/current")
    ap.add_argument("--kb", default="kb")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    settings = Settings(kb_dir=Path(args.kb), answer_cache_size=0)
    bot = Assistant.from_index(Path(args.index), settings)
    kb = load_kb(Path(args.kb))
    prep = bot.retriever.prepare
    questions = [q for e in kb.entries for q in e.questions]
    questions_raw = bot.embedder.encode([prep(q).norm for q in questions])
    totals: Counter[str] = Counter()
    wrong: list[str] = []
    for k in range(args.folds):
        train = tuple(x for x in kb.intent_examples if fold_of(x[0], args.folds) != k)
        held = [{"text": t, "intent": lab} for t, lab in kb.intent_examples if fold_of(t, args.folds) == k]
        models = fit_intent_models(dataclasses.replace(kb, intent_examples=train), questions_raw,
                                   bot.embedder.encode, lambda t: prep(t).norm)
        models["emotions"] = bot.data.intent_models.get("emotions", {})
        bot.intents = IntentDetector(kb.intents, bot.embedder.encode, models=models,
                                     normalize=lambda t: prep(t).norm)
        out: dict[str, Any] = evaluate_intents(bot, held)
        handoffs = [d for d in held if d["intent"] in ("human", "safety", "legal")]
        totals["handoffs"] += len(handoffs)
        totals["handoff_ok"] += round(out["handoff_recall"] * len(handoffs))
        totals["questions"] += sum(d["intent"] == "question" for d in held)
        totals["near_misses"] += out["near_misses_handed_off"]
        for label, share in out["by_label"].items():
            n = sum(d["intent"] == label for d in held)
            totals[f"{label}_n"] += n
            totals[f"{label}_ok"] += round(share * n)
        wrong += out["wrong"]
    print(json.dumps({
        "handoff_recall": round(totals["handoff_ok"] / totals["handoffs"], 4),
        "near_misses": f"{totals['near_misses']} of {totals['questions']}",
        "by_label": {k[:-2]: round(totals[k[:-2] + "_ok"] / v, 4) for k, v in totals.items() if k.endswith("_n")},
    }, ensure_ascii=False, indent=1))
    Path(".cache").mkdir(exist_ok=True)
    Path(".cache/intents_cv_wrong.txt").write_text("\n".join(wrong), encoding="utf-8")
    print(f"{len(wrong)} wrong: .cache/intents_cv_wrong.txt")


if __name__ == "__main__":
    main()
