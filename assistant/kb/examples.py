"""Labelled messages the intent and emotion models learn from at build time: ``intent_examples.jsonl``
(``{"text": ..., "intent": ...}``) and ``emotion_examples.jsonl`` (``{"text": ..., "emotion": ...}``) in the KB
folder. Optional: without them the patterns and examples of intents.yaml decide alone."""

from __future__ import annotations

from pathlib import Path

from .files import read_jsonl

INTENT_EXAMPLES = "intent_examples.jsonl"
EMOTION_EXAMPLES = "emotion_examples.jsonl"
EXAMPLE_FILES = (INTENT_EXAMPLES, EMOTION_EXAMPLES)
INTENT_LABELS = ("human", "safety", "legal", "smalltalk", "offdomain", "question")
EMOTION_LABELS = ("angry", "anxious", "distressed", "neutral")


def read_examples(path: Path, key: str, labels: tuple[str, ...], problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not path.is_file():
        return ()
    out = []
    for where, item in read_jsonl(path, problems):
        text, label = item.get("text"), item.get(key)
        if not isinstance(text, str) or not text.strip() or label not in labels:
            problems.append(f"{where}: expected {{\"text\": ..., \"{key}\": one of {', '.join(labels)}}}")
            continue
        out.append((text.strip(), str(label)))
    return tuple(out)
