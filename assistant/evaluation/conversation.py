"""Evaluation of conversations: follow-up dialogues, intents (handoff, small talk, off-domain, near-misses) and
emotions, each a labelled JSON Lines file (tests/fixtures/eval/{dialogues,intents,emotion})."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine import Assistant
from ..engine.context import PriorTurn
from ..errors import AssistantError, InvalidQuestion
from ..kb import files

HANDOFF = ("human", "safety", "legal")
ROUTED = {"human": set(HANDOFF), "safety": {"safety"}, "legal": {"legal", "safety"}}


def read_jsonl(path: Path, check: Callable[[dict[str, Any]], bool], shape: str) -> list[dict[str, Any]]:
    """The file's objects, each of the given shape; the first bad line is an error naming file and line."""
    problems: list[str] = []
    try:
        out = []
        for where, item in files.read_jsonl(Path(path), problems):
            if check(item):
                out.append(item)
            else:
                problems.append(f"{where}: expected {shape}")
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from exc
    if problems:
        raise AssistantError(problems[0])
    return out


def is_dialogue_file(path: Path) -> bool:
    first = next((line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()), "")
    return '"turns"' in first


def load_dialogues(paths: list[Path]) -> list[dict[str, Any]]:
    def ok(d: dict[str, Any]) -> bool:
        turns = d.get("turns")
        return isinstance(turns, list) and len(turns) >= 1 and all(isinstance(t, str) for t in turns)
    return [d for p in paths for d in read_jsonl(p, ok, '{"turns": [...], "expected": id or null}')]


def evaluate_dialogues(assistant: Assistant, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    """Each dialogue asked turn by turn as one conversation; the last turn's top entry and decision scored."""
    ids = {e.id for e in assistant.data.entries}
    unknown = sorted({d["expected"] for d in dialogues if d.get("expected") and d["expected"] not in ids})
    if unknown:
        raise AssistantError(f"expected ids not in the KB: {', '.join(unknown[:5])}")
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    answered = answered_right = 0
    focus = FocusScores()
    for d in dialogues:
        prior: list[PriorTurn] = []
        for text in d["turns"][:-1]:
            reply = assistant.ask(text, prior=prior)
            prior.append(PriorTurn(text, reply.decision, reply.answer.id if reply.answer else None))
        reply, ranked = assistant.ask_ranked(d["turns"][-1], prior=prior)
        top = assistant.data.entries[int(ranked.entries[0])].id if len(ranked.entries) else None
        for k in {"all", str(d.get("kind", "all"))}:  # a dialogue without a kind is counted once
            total[k] += 1
            right[k] += top == d["expected"]
        if reply.decision == "answer":
            answered += 1
            answered_right += reply.answer is not None and reply.answer.id == d["expected"]
        if isinstance(d.get("focus"), list):
            focus.add(assistant, d, reply, prior)
    return {
        "dialogues": total["all"],
        "last_turn_top1": {k: round(right[k] / total[k], 4) for k in total},
        "answered": round(answered / max(total["all"], 1), 4),
        "answered_precision": round(answered_right / answered, 4) if answered else 0.0,
        **({"focus": focus.scores()} if focus.labelled else {}),
    }


class FocusScores:
    """Dialogues labelled with ``focus`` (the units of the expected entry's answer that answer the last turn; []
    for the whole answer): what focus.py picks from that answer for the last turn, whether or not the pipeline
    answered it with that entry, and how often the pipeline shows it (the entry answered again). ``precision``: the
    part shown is all labelled units; ``holds_a_labelled_unit``: it has one of them (a pair may add a neighbour)."""

    def __init__(self) -> None:
        self.labelled = self.shown = self.picked = self.picked_right = self.wanted = self.found = 0
        self.exact = self.whole = self.whole_kept = self.holds = 0

    def add(self, assistant: Assistant, d: dict[str, Any], reply: Any, prior: list[PriorTurn]) -> None:
        entry = next(e for e in assistant.data.entries if e.id == d["expected"])
        label = set(d["focus"])
        part = assistant.focuser.pick(d["turns"][-1], entry.answer)
        picked = set(part.text.split("\n")) if part is not None else set()
        self.labelled += 1
        self.shown += reply.focus is not None
        self.exact += picked == label
        self.picked += bool(picked)
        self.picked_right += bool(picked) and picked <= label
        self.holds += bool(picked & label)
        self.wanted += bool(label)
        self.found += bool(label) and bool(picked & label)
        self.whole += not label
        self.whole_kept += not label and not picked

    def scores(self) -> dict[str, Any]:
        return {"labelled": self.labelled, "exact": round(self.exact / self.labelled, 4),
                "picked": self.picked, "precision": round(self.picked_right / max(self.picked, 1), 4),
                "holds_a_labelled_unit": round(self.holds / max(self.picked, 1), 4),
                "recall": round(self.found / max(self.wanted, 1), 4),
                "whole_kept": round(self.whole_kept / max(self.whole, 1), 4), "shown_in_pipeline": self.shown}


def load_intents(paths: list[Path]) -> list[dict[str, Any]]:
    def ok(d: dict[str, Any]) -> bool:
        return isinstance(d.get("text"), str) and isinstance(d.get("intent"), str)
    return [d for p in paths for d in read_jsonl(p, ok, '{"text": ..., "intent": ...}')]


def evaluate_intents(assistant: Assistant, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall of handoffs by intent (routed right), near-misses handed off by an intent, small talk and
    off-domain messages told apart (no ticket)."""
    seen: Counter[str] = Counter()
    good: Counter[str] = Counter()
    wrong: list[str] = []
    for item in items:
        label = item["intent"]
        seen[label] += 1
        try:
            reply = assistant.ask(item["text"])
        except InvalidQuestion:  # nothing readable (emoji only): the widget says so, nothing is decided
            wrong.append(f"{label}: {item['text']} -> refused as unreadable")
            continue
        if label in HANDOFF:
            ok = reply.decision == "handoff" and reply.intent in ROUTED[label]
        elif label == "smalltalk":
            ok = reply.intent.startswith("smalltalk.")
            good["smalltalk_kind"] += reply.intent == f"smalltalk.{item.get('kind')}"
        elif label == "offdomain":
            ok = reply.decision == "smalltalk" or reply.decision == "handoff" and reply.intent == "question"
            good["offdomain_no_ticket"] += reply.decision == "smalltalk"
        else:  # an ordinary question: never handed off, nor dismissed as small talk, because of an intent; one
            # answered and also recorded as feedback (the crash report) got its answer: counted apart
            recorded = reply.decision == "answer" and reply.intent == "feedback"
            good["answered_and_recorded"] += recorded
            ok = reply.intent == "question" or recorded
        good[label] += ok
        if not ok:
            wrong.append(f"{label}: {item['text']} -> {reply.decision}/{reply.intent}")
    handoffs = sum(seen[k] for k in HANDOFF)
    out: dict[str, Any] = {
        "items": sum(seen.values()),
        "handoff_recall": round(sum(good[k] for k in HANDOFF) / max(handoffs, 1), 4),
        "near_misses_handed_off": seen["question"] - good["question"],
        "near_misses_answered_and_recorded_as_feedback": good["answered_and_recorded"],
        "by_label": {k: round(good[k] / seen[k], 4) for k in sorted(seen)},
        "smalltalk_kind_accuracy": round(good["smalltalk_kind"] / max(seen["smalltalk"], 1), 4),
        "offdomain_no_ticket": round(good["offdomain_no_ticket"] / max(seen["offdomain"], 1), 4),
    }
    return {**out, "wrong": wrong}


def load_emotions(paths: list[Path]) -> list[dict[str, Any]]:
    def ok(d: dict[str, Any]) -> bool:
        return isinstance(d.get("text"), str) and isinstance(d.get("emotion"), str)
    return [d for p in paths for d in read_jsonl(p, ok, '{"text": ..., "emotion": ...}')]


def evaluate_emotions(assistant: Assistant, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per emotion precision and recall, and whether upset users (any of the three) are told from calm ones."""
    pairs = [(d["emotion"], _emotion(assistant, d["text"])) for d in items]
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    per = {}
    for label in labels:
        tp = sum(g == p == label for g, p in pairs)
        predicted, actual = sum(p == label for _, p in pairs), sum(g == label for g, _ in pairs)
        per[label] = {"precision": round(tp / predicted, 4) if predicted else 0.0,
                      "recall": round(tp / actual, 4) if actual else 0.0}
    upset = [(g != "neutral", p != "neutral") for g, p in pairs]
    tp = sum(g and p for g, p in upset)
    return {
        "items": len(pairs),
        "accuracy": round(sum(g == p for g, p in pairs) / max(len(pairs), 1), 4),
        "upset_precision": round(tp / max(sum(p for _, p in upset), 1), 4),
        "upset_recall": round(tp / max(sum(g for g, _ in upset), 1), 4),
        "by_emotion": per,
        "wrong": [f"{d['emotion']}: {d['text']} -> {p}" for d, (_, p) in zip(items, pairs, strict=True)
                  if d["emotion"] != p],
    }


def _emotion(assistant: Assistant, text: str) -> str:
    try:
        return assistant.ask(text).emotion
    except InvalidQuestion:
        return "neutral"
