"""Recording feedback: a message the engine took as feedback, or the widget's 意见反馈 form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...engine import Assistant, Reply
from ...engine.feedback import FeedbackView
from .grouping import centred
from .models import FeedbackItem, NewFeedback
from .store import SqlFeedbackStore


@dataclass(frozen=True)
class FeedbackForm:
    """The widget's 意见反馈 entry: the text, and optionally a screenshot (data: URL) and a contact."""

    text: str
    session_id: str | None = None
    contact: str | None = None
    screenshot: str | None = None
    channel: str = "web"


class FeedbackCollector:
    def __init__(self, store: SqlFeedbackStore) -> None:
        self.store = store

    def from_reply(self, assistant: Assistant, reply: Reply, session_id: str | None,
                   channel: str) -> tuple[FeedbackItem, str] | None:
        """Record a reply's feedback (None when the message was not feedback)."""
        if reply.feedback is None:
            return None
        _, vector = self._read(assistant, reply.question)
        return self._record(assistant, reply.question, vector, reply.feedback, "chat", channel, session_id,
                            entry_id=reply.answer.id if reply.answer else None)

    def from_form(self, assistant: Assistant, form: FeedbackForm) -> tuple[FeedbackItem, str]:
        text = assistant.validate(form.text)
        said, vector = self._read(assistant, text)
        return self._record(assistant, text, vector, assistant.feedback.describe(said, vector), "form", form.channel,
                            form.session_id, contact=form.contact, screenshot=form.screenshot)

    def _record(self, assistant: Assistant, text: str, vector: np.ndarray, view: FeedbackView, source: str,
                channel: str, session_id: str | None, **extra: str | None) -> tuple[FeedbackItem, str]:
        return self.store.create_item(NewFeedback(
            text=text, category=view.category, area=view.area, sentiment=view.sentiment,
            vector=centred(vector, assistant.feedback.centre), source=source, channel=channel, session_id=session_id,
            **extra))

    @staticmethod
    def _read(assistant: Assistant, text: str) -> tuple[str, np.ndarray]:
        query = assistant.retriever.prepare(text)
        return query.said, assistant.embedder.encode([query.norm])[0]
