"""Evaluation of the feedback collector: feedback told from look-alike questions (recall, precision), its
category (macro-F1), area and sentiment, on a labelled file (tests/fixtures/eval/feedback); on files of ordinary
questions (``{"query": ...}``: ths_faq dev, chitchat) the share taken as feedback."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..desk.feedback.grouping import best_topic, centred, pairwise
from ..engine import Assistant
from ..errors import InvalidQuestion
from ..kb.examples import CATEGORIES
from .conversation import read_jsonl


def load_feedback_file(path: Path) -> list[dict[str, Any]]:
    """A labelled file ({"text", "feedback", "category", ...}) or a file of questions ({"query": ...}, each
    labelled as no feedback)."""
    def ok(d: dict[str, Any]) -> bool:
        return (isinstance(d.get("text"), str) and isinstance(d.get("feedback"), bool)) or isinstance(
            d.get("query"), str)
    items = read_jsonl(path, ok, '{"text": ..., "feedback": true/false, "category": ...} or {"query": ...}')
    return [d if "text" in d else {"text": d["query"], "feedback": False, "probe": True} for d in items]


def taken_as_feedback(assistant: Assistant, texts: Sequence[str]) -> list[Any]:
    """Each message's reply (None when it has nothing readable), asked alone, in batches."""
    out: list[Any] = []
    for i in range(0, len(texts), 64):
        chunk = list(texts[i : i + 64])
        try:
            out += assistant.ask_many(chunk)
        except InvalidQuestion:
            for text in chunk:
                try:
                    out.append(assistant.ask(text))
                except InvalidQuestion:
                    out.append(None)
    return out


def evaluate_feedback(assistant: Assistant, items: list[dict[str, Any]]) -> dict[str, Any]:
    replies = taken_as_feedback(assistant, [d["text"] for d in items])
    said = [r is not None and r.feedback is not None for r in replies]
    gold = [bool(d["feedback"]) for d in items]
    if all(d.get("probe") for d in items):
        n = sum(said)
        return {"questions": len(items), "taken_as_feedback": n, "rate": round(n / max(len(items), 1), 4),
                "wrong": [f"taken as feedback: {d['text']}" for d, s in zip(items, said, strict=True) if s]}
    tp = sum(s and g for s, g in zip(said, gold, strict=True))
    fb = [(d, r) for d, r in zip(items, replies, strict=True) if d["feedback"] and r is not None]
    # the category of every feedback message, recognised or not: what the product team would see had it come
    # through the widget's 意见反馈 entry
    views = [(d, assistant.feedback.describe(*_read(assistant, d["text"]))) for d, _ in fb]
    both = [r for d, r in fb if d.get("also_question")]
    return {
        "items": len(items), "feedback": sum(gold), "questions": len(items) - sum(gold),
        "recall": round(tp / max(sum(gold), 1), 4), "precision": round(tp / max(sum(said), 1), 4),
        "category_macro_f1": round(macro_f1([d["category"] for d, _ in views], [v.category for _, v in views]), 4),
        "area_accuracy": round(sum(d["area"] == v.area for d, v in views) / max(len(views), 1), 4),
        "sentiment_accuracy": round(sum(d["sentiment"] == v.sentiment for d, v in views) / max(len(views), 1), 4),
        "also_question": len(both),
        "also_question_answered_and_recorded": sum(r.decision == "answer" and r.feedback is not None for r in both),
        "wrong": _wrong(items, replies, said, views),
    }


def _wrong(items: list[dict[str, Any]], replies: list[Any], said: list[bool],
           views: list[tuple[Any, Any]]) -> list[str]:
    """Each message read wrong, a line each (`assistant eval --errors`): feedback missed (with what the message got
    instead), a question taken as feedback, and feedback recognised but put in another category."""
    seen = {d["text"]: v for d, v in views}
    out = []
    for d, r, s in zip(items, replies, said, strict=True):
        got = "refused as unreadable" if r is None else f"{r.decision}/{r.intent}"
        if d["feedback"] and not s:
            out.append(f"missed {d['category']}: {d['text']} -> {got}")
        elif s and not d["feedback"]:
            out.append(f"taken as feedback ({r.feedback.category}): {d['text']}")
        elif s and d["feedback"] and (v := seen.get(d["text"])) is not None and v.category != d["category"]:
            out.append(f"category {d['category']} -> {v.category}: {d['text']}")
    return out


def _read(assistant: Assistant, text: str) -> tuple[str, Any]:
    query = assistant.retriever.prepare(text)
    return query.said, assistant.embedder.encode([query.norm])[0]


def macro_f1(gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str] = CATEGORIES) -> float:
    """The mean over the classes present in ``gold`` of each class's F1."""
    scores = []
    for c in classes:
        if c not in gold:
            continue
        tp = sum(g == c and p == c for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return sum(scores) / max(len(scores), 1)


def evaluate_topics(assistant: Assistant, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The grouping rule (desk/feedback/grouping.py) on the labelled feedback messages, in file order, with the
    category and area the models give them: pairwise precision and recall of "same topic"."""
    fb = [d for d in items if d.get("feedback") and d.get("topic")]
    topics: list[tuple[str, str, list[tuple[Any, str]]]] = []
    assigned = []
    for d in fb:
        said, raw = _read(assistant, d["text"])
        view = assistant.feedback.describe(said, raw)
        vector = np.asarray(centred(raw, assistant.feedback.centre))
        candidates = {n: members for n, (c, _, members) in enumerate(topics) if c == view.category}
        chosen = best_topic(vector, d["text"], candidates)
        if chosen is None:
            topics.append((view.category, view.area, []))
            chosen = len(topics) - 1
        topics[chosen][2].append((vector, d["text"]))
        assigned.append(chosen)
    precision, recall = pairwise(assigned, [d["topic"] for d in fb])
    return {"messages": len(fb), "labelled_topics": len({d["topic"] for d in fb}), "topics": len(topics),
            "pair_precision": round(precision, 4), "pair_recall": round(recall, 4)}
