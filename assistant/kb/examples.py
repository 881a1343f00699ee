"""Labelled messages the intent and emotion models learn from at build time: ``intent_examples.jsonl``
(``{"text": ..., "intent": ...}``) and ``emotion_examples.jsonl`` (``{"text": ..., "emotion": ...}``) in the KB
folder. Optional: without them the patterns and examples of intents.yaml decide alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .files import read_jsonl

INTENT_EXAMPLES = "intent_examples.jsonl"
EMOTION_EXAMPLES = "emotion_examples.jsonl"
FEEDBACK_EXAMPLES = "feedback_examples.jsonl"  # build/feedback.py
EXAMPLE_FILES = (INTENT_EXAMPLES, EMOTION_EXAMPLES, FEEDBACK_EXAMPLES)
INTENT_LABELS = ("human", "safety", "legal", "smalltalk", "offdomain", "question")
EMOTION_LABELS = ("angry", "anxious", "distressed", "neutral")
CATEGORIES = ("feature_request", "bug", "complaint", "praise", "other")
SENTIMENTS = ("negative", "neutral", "positive")
# product areas: live, video and upload, creator tools, search, recommendations, account, payments, shopping,
# messages, privacy, app and devices, customer service, other
AREAS = ("live", "video", "creator", "search", "recommendation", "account", "payments", "shopping", "messages",
         "privacy", "app", "service", "other")


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


@dataclass(frozen=True)
class FeedbackExample:
    """A labelled message: feedback (with its category, product area and sentiment) or a look-alike question."""

    text: str
    feedback: bool
    category: str = "other"
    area: str = "other"
    sentiment: str = "neutral"
    topic: str | None = None


def read_feedback_examples(path: Path, problems: list[str]) -> tuple[FeedbackExample, ...]:
    """``feedback_examples.jsonl`` (the labelled set's format: text, feedback, category, area, sentiment, topic)."""
    if not path.is_file():
        return ()
    out = []
    for where, item in read_jsonl(path, problems):
        text, feedback = item.get("text"), item.get("feedback")
        category = item.get("category") or "other"
        area, sentiment = item.get("area") or "other", item.get("sentiment") or "neutral"
        if (not isinstance(text, str) or not text.strip() or not isinstance(feedback, bool)
                or category not in CATEGORIES or area not in AREAS or sentiment not in SENTIMENTS):
            problems.append(f"{where}: expected {{\"text\": ..., \"feedback\": true/false, \"category\": one of "
                            f"{', '.join(CATEGORIES)}, \"area\": one of {', '.join(AREAS)}, \"sentiment\": one of "
                            f"{', '.join(SENTIMENTS)}}}")
            continue
        topic = item.get("topic")
        out.append(FeedbackExample(text.strip(), feedback, category, area, sentiment,
                                   topic if isinstance(topic, str) else None))
    return tuple(out)
