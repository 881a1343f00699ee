"""Feedback in a message read for its intent: a question for the KB may be feedback instead, and a message handed
to a person may carry feedback to record too (engine/feedback.py detects it; engine/intent.py reads the intent)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..kb.intents import HANDOFF_INTENTS
from .feedback import HANDED_FEEDBACK, OFFDOMAIN_FEEDBACK, FeedbackDetector
from .intent import QUESTION, Intent


def read_feedback(detector: FeedbackDetector, intent: Intent, said: str, raw: np.ndarray) -> Intent:
    """The intent, or feedback when it may be and the detector says so. A message handed to a person (客服回复全是
    模板 根本解决不了问题 reads as a request for one) stays handed off, and carries its feedback to be recorded too
    when the detector is sure. scripts/feedback_cv.py reads messages through this too."""
    if intent.name in HANDOFF_INTENTS:
        view = detector.detect(said, raw)
        return replace(intent, feedback=view) if view.feedback and view.probability >= HANDED_FEEDBACK else intent
    if (bar := feedback_bar(intent)) is not None and (view := detector.detect(said, raw)).feedback and (
            view.probability >= bar):
        return replace(intent, name="feedback", reason=f"feedback ({view.probability:.2f})", feedback=view)
    return intent


def feedback_bar(intent: Intent) -> float | None:
    """The probability a message read as ``intent`` must reach besides the detector's own threshold to be feedback,
    or None when it cannot be: what would otherwise be a question for the KB may be feedback, and so may a message
    called off-domain by its meaning alone when the detector is sure (engine/feedback.py OFFDOMAIN_FEEDBACK); a
    threat, a request for a person, small talk and a message naming another service are what they are.
    scripts/feedback_cv.py's threshold sweep applies the same bar."""
    if intent.name == QUESTION:
        return 0.0
    if intent.name == "offdomain" and intent.evidence != "pattern":
        return OFFDOMAIN_FEEDBACK
    return None
