"""Cross-validated intent figures on the KB's own labelled examples (kb/intent_examples.jsonl = the tune parts of
tests/fixtures/eval/intents): the intent models are fitted without one fold and that fold is asked through the
whole assistant, as `assistant eval --intents` does on the report part. The patterns are the KB's (intents.yaml as
it is now, not as the index was built), so an edit is measured without a rebuild. What the intent layer is tuned with.

With --questions FILE (users' questions for the KB, ``{"query", "expected"}``; repeatable): the models fitted on
every example, the in-scope questions of FILE are asked too, and those an intent takes from the KB (a handoff,
small talk, off-domain) are counted: the near-misses that plain questions make. Use files the intent models do
not learn (kb/tune is learned as questions; a fresh set in tests/fixtures/eval/fresh is not).

With --held FILE: the models are fitted on the KB's examples less those of FILE, and FILE is asked (a labelled set
held back while the patterns are revised: does a revision made on the rest generalise?).

    python scripts/intents_cv.py [--index index/current] [--folds 5] [--held FILE] [--threshold NAME=VALUE ...]
        [--grams safety,human] [--l2-grams 0.01] [--questions FILE ...]
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
from assistant.engine.intent import IntentDetector, IntentThresholds
from assistant.evaluation.conversation import evaluate_intents
from assistant.kb import KnowledgeBase, load_kb
from assistant.kb.intents import HANDOFF_INTENTS


def fold_of(text: str, folds: int) -> int:
    return int(hashlib.md5(text.encode()).hexdigest(), 16) % folds


class Runner:
    """Fits the intent models on some examples and asks others through the whole assistant."""

    def __init__(self, index: Path, kb_dir: Path, thresholds: IntentThresholds,
                 fit_options: dict[str, Any] | None = None) -> None:
        self.thresholds = thresholds
        self.fit_options = fit_options or {}
        self.bot = Assistant.from_index(index, Settings(kb_dir=kb_dir, answer_cache_size=0))
        self.kb = load_kb(kb_dir)
        self.prep = lambda t: self.bot.retriever.prepare(t).norm
        self.questions = [q for e in self.kb.entries for q in e.questions]
        self.questions_raw = self.bot.embedder.encode([self.prep(q) for q in self.questions])
        self.totals: Counter[str] = Counter()
        self.wrong: list[str] = []

    def run(self, train: tuple[tuple[str, str], ...], held: list[dict[str, Any]]) -> None:
        kb: KnowledgeBase = dataclasses.replace(self.kb, intent_examples=train)
        models = fit_intent_models(kb, self.questions, self.questions_raw, self.bot.embedder.encode, self.prep,
                                   **self.fit_options)
        models["emotions"] = self.bot.data.intent_models.get("emotions", {})
        self.bot.intents = IntentDetector(self.kb.intents, self.bot.embedder.encode, self.thresholds, models=models,
                                          normalize=self.prep)
        out: dict[str, Any] = evaluate_intents(self.bot, held)
        totals = self.totals
        handoffs = [d for d in held if d["intent"] in HANDOFF_INTENTS]
        totals["handoffs"] += len(handoffs)
        totals["handoff_ok"] += round(out["handoff_recall"] * len(handoffs))
        totals["questions"] += sum(d["intent"] == "question" for d in held)
        totals["near_misses"] += out["near_misses_handed_off"]
        totals["answered_and_recorded"] += out["near_misses_answered_and_recorded_as_feedback"]
        n_off = sum(d["intent"] == "offdomain" for d in held)
        totals["offdomain_no_ticket"] += round(out["offdomain_no_ticket"] * n_off)
        for label, share in out["by_label"].items():
            n = sum(d["intent"] == label for d in held)
            totals[f"{label}_n"] += n
            totals[f"{label}_ok"] += round(share * n)
        for line in out["wrong"]:  # with the reason the assistant gives, to see which rule or model decided
            text = line.split(": ", 1)[1].rsplit(" -> ", 1)[0]
            why = "" if line.endswith("unreadable") else f"  [{self.bot.ask(text).reason}]"
            self.wrong.append(line + why)

    def taken(self, files: list[Path]) -> dict[str, Any]:
        """The in-scope questions of ``files`` that an intent takes from the KB, by intent (models fitted on every
        example)."""
        self.run(self.kb.intent_examples, [])
        asked = [d for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()
                 for d in [json.loads(line)] if d.get("expected")]
        by: Counter[str] = Counter()
        for d in asked:
            reply = self.bot.ask(d["query"])
            if reply.intent not in ("question", "feedback"):
                by[reply.intent] += 1
                self.wrong.append(f"kb question: {d['query']} -> {reply.decision}/{reply.intent}  [{reply.reason}]")
        return {"kb_questions": len(asked), "taken_by_an_intent": sum(by.values()), "by_intent": dict(by)}

    def summary(self) -> dict[str, Any]:
        t = self.totals
        return {
            "handoff_recall": round(t["handoff_ok"] / max(t["handoffs"], 1), 4),
            "near_misses": f"{t['near_misses']} of {t['questions']}",
            "near_misses_answered_and_recorded_as_feedback": t["answered_and_recorded"],
            "offdomain_no_ticket": round(t["offdomain_no_ticket"] / max(t["offdomain_n"], 1), 4),
            "by_label": {k[:-2]: round(t[k[:-2] + "_ok"] / v, 4) for k, v in t.items() if k.endswith("_n")},
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="index/current")
    ap.add_argument("--kb", default="kb")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--held", type=Path, help="a labelled set to ask, fitted without it (JSON Lines)")
    ap.add_argument("--threshold", action="append", default=[], metavar="NAME=VALUE",
                    help="an IntentThresholds field to try (danger=0.5, model_question=0.7...)")
    ap.add_argument("--questions", type=Path, action="append", default=[],
                    help="users' questions for the KB: count those an intent takes (JSON Lines; repeatable)")
    ap.add_argument("--grams", help="the intent models that read n-grams too, comma-separated ('' for none)")
    ap.add_argument("--l2-grams", type=float, help="their ridge")
    args = ap.parse_args()
    fit_options: dict[str, Any] = {}
    if args.grams is not None:
        fit_options["gram_classes"] = tuple(c for c in args.grams.split(",") if c)
    if args.l2_grams is not None:
        fit_options["l2_grams"] = args.l2_grams
    thresholds = IntentThresholds(**{k: float(v) for k, v in (t.split("=", 1) for t in args.threshold)})
    runner = Runner(Path(args.index), Path(args.kb), thresholds, fit_options)
    examples = runner.kb.intent_examples
    if args.held:
        held = [json.loads(line) for line in args.held.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = {d["text"] for d in held}
        runner.run(tuple(x for x in examples if x[0] not in texts), held)
    else:
        for k in range(args.folds):
            runner.run(tuple(x for x in examples if fold_of(x[0], args.folds) != k),
                       [{"text": t, "intent": lab} for t, lab in examples if fold_of(t, args.folds) == k])
    summary = runner.summary()
    if args.questions:
        summary["kb_questions"] = runner.taken(args.questions)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    Path(".cache").mkdir(exist_ok=True)
    Path(".cache/intents_cv_wrong.txt").write_text("\n".join(runner.wrong), encoding="utf-8")
    print(f"{len(runner.wrong)} wrong: .cache/intents_cv_wrong.txt")


if __name__ == "__main__":
    main()
