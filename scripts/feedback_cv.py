"""Cross-validated feedback figures on the KB's labelled messages (kb/feedback_examples.jsonl = the labelled set's
tune part and the training messages written for it; never the report part): the feedback models are fitted
without one fold, and that fold is sent through the whole assistant as `assistant eval --feedback` sends the
report part (the intents first, then the detector, then the Decider's gates against the KB's answer and choices).
Where recall is lost is counted by cause. The grouping rule is measured on the labelled topics with the held-out
models' category and area.

Ordinary questions taken for feedback, with the models fitted on every example: the ths_faq KB's questions (a
securities app's standard and similar questions; its dev set is left to the report command) and the chitchat dev
questions whose md5 is even (the odd half is printed apart, for the record, never tuned on).

    python scripts/feedback_cv.py [--index index/current] [--kb kb] [--folds 5] [--shared ../shared/benchmarks]
                                  [--by-topic]
                                  [--extra tests/fixtures/eval/feedback/tune_extra4.jsonl ...]

`--by-topic` puts every feedback message of a labelled topic in one fold (its paraphrases are never learned from
while it is held out): on the 3180 examples of 2026-11-30, recall 0.833 at precision 0.962, category macro-F1 0.904
(folded by message, on the 2844 before held_fb3: 0.851, 0.964, 0.918).

`--extra` measures a tune file before it is folded into the KB: its messages join the examples (each in its
fold, so every fold's models see the rest of it), and the figures are printed twice, on everything and on the
KB's own examples alone (those are comparable with a run without `--extra`).

The index supplies the model, the KB's ranking and the intent models; the feedback examples are read from the
KB folder as they are now, so a data or build-code change is measured without a rebuild.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.build.feedback import NOT_FEEDBACK_INTENTS, fit
from assistant.config import Settings
from assistant.desk.feedback import grouping as grouping_mod
from assistant.desk.feedback.grouping import best_topic, centred, pairwise
from assistant.engine.assistant import Assistant
from assistant.engine.feedback import ANSWERED_FEEDBACK, FeedbackDetector, elsewhere
from assistant.engine.intent import QUESTION
from assistant.engine.intent_feedback import feedback_bar, read_feedback
from assistant.engine.rank import Ranked
from assistant.errors import InvalidQuestion
from assistant.evaluation.feedback import macro_f1
from assistant.kb import load_kb
from assistant.kb.examples import FEEDBACK_EXAMPLES, FeedbackExample, read_feedback_examples
from assistant.kb.intents import HANDOFF_INTENTS


def fold_of(text: str, folds: int) -> int:
    return int(hashlib.md5(text.encode()).hexdigest(), 16) % folds


@dataclass(frozen=True)
class Item:
    """A message read once: its ranking with the intents (no feedback yet), its raw vector, and what the Decider
    does with it when it is not feedback: the KB's decision for one that may be feedback (engine/intent.py
    feedback_bar; an off-domain reading is decided as a question, as it is once taken for feedback), the intent's
    otherwise."""

    text: str
    ranked: Ranked
    raw: np.ndarray
    decision: str


def read_all(bot: Assistant, texts: Sequence[str]) -> list[Item | None]:
    bot.feedback = FeedbackDetector(None)
    out: list[Item | None] = []
    for i in range(0, len(texts), 64):
        chunk = list(texts[i : i + 64])
        try:
            ranked: list[Ranked | None] = list(bot.rank_many([bot.validate(t) for t in chunk]))
        except InvalidQuestion:
            ranked = []
            for t in chunk:
                try:
                    ranked.append(bot.rank_many([bot.validate(t)])[0])
                except InvalidQuestion:
                    ranked.append(None)
        fine = [r for r in ranked if r is not None]
        raw = iter(bot.embedder.encode([r.query.norm for r in fine])) if fine else iter(())
        for t, r in zip(chunk, ranked, strict=True):
            if r is not None and feedback_bar(r.intent) is not None:
                r_kb = replace(r, intent=replace(r.intent, name=QUESTION, yields=False))
            else:
                r_kb = r
            out.append(None if r is None else Item(t, r, next(raw), bot.decider.decide(r_kb, None, 0.0).decision))
    return out


def taken(bot: Assistant, detector: FeedbackDetector, item: Item | None) -> tuple[bool, float]:
    """Whether the whole assistant records the message as feedback, and the detector's probability."""
    if item is None:
        return False, 0.0
    q = item.ranked.query
    intent = read_feedback(detector, item.ranked.intent, q.said, item.raw)
    reply = bot.decider.decide(replace(item.ranked, intent=intent), None, 0.0)
    p = detector.detect(q.said, item.raw).probability if detector.models is not None else 0.0
    return reply.feedback is not None, p


def fit_on(bot: Assistant, examples: Sequence[FeedbackExample], items: Sequence[Item | None],
           others: tuple[list[str], np.ndarray], **kw: Any) -> FeedbackDetector:
    keep = [(e, it) for e, it in zip(examples, items, strict=True) if it is not None]
    models = fit([e for e, _ in keep], [it.ranked.query.said for _, it in keep], np.vstack([it.raw for _, it in keep]),
                 others[0], others[1], **kw)
    detector = FeedbackDetector(None)
    detector.models = models
    return detector


def cross_validate(bot: Assistant, examples: Sequence[FeedbackExample], items: Sequence[Item | None],
                   others: tuple[list[str], np.ndarray], folds: int, by_topic: bool = False, **kw: Any
                   ) -> list[dict[str, Any]]:
    """``by_topic``: every feedback message of a labelled topic in one fold, so that no paraphrase of a held-out
    message is learned from (lower, more honest figures than folding by message)."""
    rows: list[dict[str, Any]] = [{} for _ in examples]
    fold = [fold_of(e.topic if by_topic and e.feedback and e.topic else e.text, folds) for e in examples]
    for k in range(folds):
        train = [i for i in range(len(examples)) if fold[i] != k]
        detector = fit_on(bot, [examples[i] for i in train], [items[i] for i in train], others, **kw)
        for i, e in enumerate(examples):
            if fold[i] != k:
                continue
            it = items[i]
            got, p = taken(bot, detector, it)
            view = detector.describe(it.ranked.query.said, it.raw) if it is not None else None
            rows[i] = {"gold": e.feedback, "taken": got, "p": p, "category": view.category if view else "other",
                       "area": view.area if view else "other", "intent": it.ranked.intent.name if it else "-",
                       "bar": feedback_bar(it.ranked.intent) if it else None,
                       "decision": it.decision if it else "-",
                       "elsewhere": elsewhere(it.ranked.query.said) if it else False,
                       "vector": centred(it.raw, detector.centre) if it else None}
    return rows


def figures(examples: Sequence[FeedbackExample], rows: Sequence[dict[str, Any]], threshold: float
            ) -> dict[str, Any]:
    gold = [r["gold"] for r in rows]
    said = [r["taken"] for r in rows]
    tp = sum(g and s for g, s in zip(gold, said, strict=True))
    fb = [(e, r) for e, r in zip(examples, rows, strict=True) if e.feedback]
    lost: Counter[str] = Counter()
    for _, r in fb:
        if not r["taken"]:
            lost["intent " + r["intent"] if r["intent"] != "question" else
                 "p below threshold" if not r["p"] >= threshold else f"gate: KB {r['decision']}"] += 1
    return {"feedback": sum(gold), "questions": len(gold) - sum(gold),
            "recall": round(tp / max(sum(gold), 1), 4), "precision": round(tp / max(sum(said), 1), 4),
            "category_macro_f1": round(macro_f1([e.category for e, _ in fb], [r["category"] for _, r in fb]), 4),
            "area_accuracy": round(sum(e.area == r["area"] for e, r in fb) / max(len(fb), 1), 4),
            "recall_lost_by": dict(lost.most_common())}


def takes(r: dict[str, Any], th: float, clarify: float, answer: float, handed: float) -> bool:
    """The Decider's rule in arithmetic: feedback when the intent may be feedback (engine/intent.py feedback_bar: a
    question, or off-domain by meaning at p >= 0.9) and p >= th, and the KB would hand off, or offer choices and
    p >= clarify, or answer and p >= answer (then answered and recorded); a message handed to a person by its intent
    is recorded too when p >= handed; never one about another service's things (engine/feedback.py ELSEWHERE)."""
    if r["elsewhere"]:
        return False
    if r["intent"] in HANDOFF_INTENTS:
        return bool(r["p"] >= handed)
    need = {"handoff": th, "clarify": max(th, clarify), "answer": max(th, answer)}.get(r["decision"], 2.0)
    return r["bar"] is not None and r["p"] >= max(need, r["bar"])


def sweep(rows: Sequence[dict[str, Any]], probes: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Recall and precision (cross-validated) and the probes' share taken, had the detector and the gates other
    thresholds."""
    out = []
    n = sum(r["gold"] for r in rows)
    for th in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        for clarify in (0.4, 0.5, 0.6, 0.7, 0.8):
            for answer in (0.5, 0.6, 0.7, 0.8, 0.9):
                for handed in (0.6, 0.7, 0.8, 0.9, 1.1):
                    said = [takes(r, th, clarify, answer, handed) for r in rows]
                    tp = sum(s and r["gold"] for s, r in zip(said, rows, strict=True))
                    rates = " ".join(f"{sum(takes(r, th, clarify, answer, handed) for r in v) / max(len(v), 1):.2%}"
                                     for k, v in probes.items() if "(tune)" in k)
                    out.append(f"th {th:.2f} clarify {clarify:.2f} answer {answer:.2f} handed {handed:.2f}: "
                               f"recall {tp / n:.3f} precision {tp / max(sum(said), 1):.3f} probes {rates}")
    return out


def grouping(examples: Sequence[FeedbackExample], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The grouping rule on the labelled topics (in file order), with the held-out models' category and area."""
    pairs = [(e, r) for e, r in zip(examples, rows, strict=True) if e.feedback and e.topic and r.get("vector")]
    topics: list[tuple[str, str, list[tuple[Any, str]]]] = []
    assigned = []
    for e, r in pairs:
        vector = np.asarray(r["vector"])
        candidates = {n: m for n, (c, _, m) in enumerate(topics) if c == r["category"]}
        chosen = best_topic(vector, e.text, candidates)
        if chosen is None:
            topics.append((r["category"], r["area"], []))
            chosen = len(topics) - 1
        topics[chosen][2].append((vector, e.text))
        assigned.append(chosen)
    precision, recall = pairwise(assigned, [e.topic or "" for e, _ in pairs])
    return {"messages": len(pairs), "labelled_topics": len({e.topic for e, _ in pairs}), "topics": len(topics),
            "pair_precision": round(precision, 4), "pair_recall": round(recall, 4)}


FRAMING = re.compile(r"希望|建议|能不能|可不可以|能否|要是能|就好了|求求|求你们|拜托|拜讬|麻烦|你们|一下|"
                     r"一直|老是|总是|每次|每回|为什么|为啥|怎么|什么时候|啥时候|真的|特别|非常|太|了|吗|吧|啊|呢|呀|的|我|都|也|就|还|又|很")


def grouping_sweep(examples: Sequence[FeedbackExample], rows: Sequence[dict[str, Any]]) -> list[str]:
    """Other grouping rules on the same messages: candidates by category and area, by area, or all; the
    likeness threshold and lexical weight; bigrams of the whole text or of the text without its framing words."""
    pairs = [(e, r) for e, r in zip(examples, rows, strict=True) if e.feedback and e.topic and r.get("vector")]
    gold = [e.topic or "" for e, _ in pairs]
    vectors = np.asarray([r["vector"] for _, r in pairs])
    cos = vectors @ vectors.T
    out = []
    for plain in (False, True):
        grams = [grouping_mod.bigrams(FRAMING.sub("", e.text) if plain else e.text) for e, _ in pairs]
        lex = np.asarray([[len(a & b) / max(len(a | b), 1) for b in grams] for a in grams])
        for keys in ("category+area", "category", "area", "all"):
            key = [(r["category"], r["area"]) if keys == "category+area" else r["area"] if keys == "area" else
                   r["category"] if keys == "category" else "" for _, r in pairs]
            for weight in (0.25, 0.5, 1.0):
                like = cos + weight * lex
                for th in (0.25, 0.3, 0.35, 0.4, 0.5, 0.6):
                    assigned = _assign(like, key, th)
                    p, r = pairwise(assigned, gold)
                    out.append(f"plain {plain} {keys} weight {weight} at {th}: P {p:.3f} R {r:.3f} "
                               f"F1 {2 * p * r / max(p + r, 1e-9):.3f} topics {len(set(assigned))}")
    return out


def _assign(like: np.ndarray, key: Sequence[Any], th: float) -> list[int]:
    assigned: list[int] = []
    members: dict[int, list[int]] = {}
    for i in range(len(key)):
        scored = {t: float(like[i, m].mean()) for t, m in members.items() if key[m[0]] == key[i]}
        best = max(scored, key=lambda t: scored[t], default=None)
        t = best if best is not None and scored[best] >= th else len(members)
        members.setdefault(t, []).append(i)
        assigned.append(t)
    return assigned


def probe_sets(shared: Path) -> dict[str, list[str]]:
    ths = [json.loads(line) for line in (shared / "ths_faq" / "kb.jsonl").read_text(encoding="utf-8").splitlines()]
    chat = [json.loads(line)["query"] for line in
            (shared / "chitchat" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return {"ths_faq kb questions (tune)": [q for e in ths for q in [e["question"], *e["similar"]]],
            "chitchat dev, md5 even (tune)": [t for t in chat if fold_of(t, 2) == 0],
            "chitchat dev, md5 odd (held)": [t for t in chat if fold_of(t, 2) == 1]}


def probes(bot: Assistant, detector: FeedbackDetector, sets: dict[str, list[str]]
           ) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    """The share of each set taken as feedback, and each message's row for the sweep."""
    shares: dict[str, str] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, texts in sets.items():
        rows[name] = []
        hits = []
        for t, it in zip(texts, read_all(bot, texts), strict=True):
            got, p = taken(bot, detector, it)
            rows[name].append({"p": p, "intent": it.ranked.intent.name if it else "-",
                               "bar": feedback_bar(it.ranked.intent) if it else None,
                               "decision": it.decision if it else "-",
                               "elsewhere": elsewhere(it.ranked.query.said) if it else False})
            if got:
                hits.append(f"p={p:.2f} {it.decision if it else '-'}: {t}")
        shares[name] = f"{len(hits)} of {len(texts)} ({len(hits) / len(texts):.2%})"
        if "(tune)" in name:
            Path(".cache").mkdir(exist_ok=True)
            Path(f".cache/feedback_cv_{name.split()[0]}.txt").write_text("\n".join(hits), encoding="utf-8")
    return shares, rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="index/current")
    ap.add_argument("--kb", default="kb")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--shared", default="../shared/benchmarks")
    ap.add_argument("--no-probes", action="store_true")
    ap.add_argument("--grouping", action="store_true", help="also other grouping rules")
    ap.add_argument("--sweep", action="store_true", help="other thresholds: .cache/feedback_cv_sweep.txt")
    ap.add_argument("--extra", action="append", default=[], help="a tune file to measure before folding it in")
    ap.add_argument("--by-topic", action="store_true", help="fold by labelled topic rather than by message")
    ap.add_argument("--not-feedback-intents", default=",".join(NOT_FEEDBACK_INTENTS),
                    help="the intent examples' labels that are learned as not feedback (the build's by default)")
    args = ap.parse_args()
    bot = Assistant.from_index(Path(args.index), Settings(kb_dir=Path(args.kb), answer_cache_size=0))
    kb = load_kb(Path(args.kb))
    problems: list[str] = []
    examples = read_feedback_examples(Path(args.kb) / FEEDBACK_EXAMPLES, problems)
    own = len(examples)
    for extra in args.extra:
        examples += read_feedback_examples(Path(extra), problems)
    assert not problems, problems
    prep = bot.retriever.prepare
    labels = args.not_feedback_intents.split(",")
    questions = [q for e in kb.entries for q in e.questions] + [t for t, lab in kb.intent_examples if lab in labels]
    read = [prep(q) for q in questions]
    others = ([q.said for q in read], bot.embedder.encode([q.norm for q in read]))
    items = read_all(bot, [e.text for e in examples])
    rows = cross_validate(bot, examples, items, others, args.folds, by_topic=args.by_topic)
    full = fit_on(bot, examples, items, others)
    assert full.models is not None
    report = {"examples": len(examples), "threshold": full.models.threshold, "answered": ANSWERED_FEEDBACK,
              "cv": figures(examples, rows, full.models.threshold),
              **({"cv on the KB's own examples": figures(examples[:own], rows[:own], full.models.threshold)}
                 if args.extra else {}),
              "grouping (cv category and area)": grouping(examples, rows)}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    probe_rows: dict[str, list[dict[str, Any]]] = {}
    if not args.no_probes:
        shares, probe_rows = probes(bot, full, probe_sets(Path(args.shared)))
        print(json.dumps(shares, ensure_ascii=False, indent=1))
    if args.sweep:
        Path(".cache/feedback_cv_sweep.txt").write_text("\n".join(sweep(rows, probe_rows)), encoding="utf-8")
    if args.grouping:
        print("\n".join(grouping_sweep(examples, rows)))
    wrong = [f"{'missed' if e.feedback else 'taken'} p={r['p']:.2f} {r['intent']}/{r['decision']} "
             f"{e.category}->{r['category']}: {e.text}" for e, r in zip(examples, rows, strict=True)
             if r["taken"] != e.feedback or e.feedback and r["category"] != e.category]
    Path(".cache").mkdir(exist_ok=True)
    Path(".cache/feedback_cv_wrong.txt").write_text("\n".join(wrong), encoding="utf-8")


if __name__ == "__main__":
    main()
