"""The last stage: answer, clarify (您是不是想问) or hand off, from the calibrated confidence and the rules that
always send a question to a person (an explicit request, safety and legal words)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..index import IndexData
from ..text import Normalizer
from .rank import Ranked

Decision = Literal["answer", "clarify", "handoff"]
# The ranker's softmax share of its pick at which the pick is offered as a choice (您是不是想问) rather than the
# question handed off, however low the calibrated confidence: more likely than all other candidates together.
CLEAR_PICK_SHARE = 0.5

MESSAGES = {
    "clarify": "您是不是想问以下问题？请点选最接近的一项，或换个说法再问一次。",
    "handoff": "这个问题我还不能准确回答，已为您转接人工客服，请稍候。",
    "human": "好的，正在为您转接人工客服，请稍候。",
    "safety": "您的安全最重要。如遇紧急危险，请立即拨打110（报警）或120（急救）。我们已为您优先转接人工客服。",
    "sensitive": "如果以上内容没有解决您的问题，可以点击「转人工」联系人工客服。",
}


@dataclass(frozen=True)
class Thresholds:
    answer: float
    answer_sensitive: float
    clarify: float

    def to_dict(self) -> dict[str, float]:
        return {"answer": self.answer, "answer_sensitive": self.answer_sensitive, "clarify": self.clarify}


@dataclass(frozen=True)
class AnswerRef:
    id: str
    question: str
    answer: str
    category: str
    matched_question: str
    team: str | None
    risk: str


@dataclass(frozen=True)
class Alternative:
    id: str
    question: str
    score: float


@dataclass(frozen=True)
class Reply:
    question: str
    decision: Decision
    confidence: float
    answer: AnswerRef | None
    alternatives: tuple[Alternative, ...]
    reason: str
    message: str
    team: str
    offer_human: bool
    timing: dict[str, float] = field(default_factory=dict)
    session: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Decider:
    def __init__(self, data: IndexData, thresholds: Thresholds, normalizer: Normalizer, alternatives: int,
                 default_team: str) -> None:
        self.data = data
        self.thresholds = thresholds
        self.normalizer = normalizer
        self.alternatives = alternatives
        self.default_team = default_team

    @staticmethod
    def pick_share(scores: np.ndarray) -> float:
        """The ranker's softmax share of its first candidate (0 when there is none)."""
        return float(1.0 / np.exp(scores - scores[0]).sum()) if len(scores) else 0.0

    @staticmethod
    def share(scores: np.ndarray, pos: int, confidence: float) -> float:
        """A 0..1 score per alternative: the top gets the calibrated confidence, the rest their softmax share."""
        if pos == 0:
            return confidence
        weights = np.exp(scores - scores.max())
        return float(weights[pos] / weights.sum())

    def decide(self, r: Ranked, session: str | None, total_ms: float) -> Reply:
        data = self.data
        alternatives = tuple(
            Alternative(id=data.entries[int(e)].id, question=data.entries[int(e)].question,
                        score=round(self.share(r.scores, pos, r.confidence), 4))
            for pos, e in enumerate(r.entries[: self.alternatives])
        )
        top = data.entries[int(r.entries[0])] if len(r.entries) else None
        base = Reply(
            question=r.query.text, decision="handoff", confidence=round(r.confidence, 4), answer=None,
            alternatives=alternatives, reason="", message=MESSAGES["handoff"],
            team=(top.team if top is not None and top.team else None) or self.default_team,
            offer_human=True, timing={**{k: round(v, 3) for k, v in r.timing.items()}, "total_ms": round(total_ms, 3)},
            session=session,
        )
        return self._by_rule(r, base) or self._by_confidence(r, base)

    def _by_rule(self, r: Ranked, base: Reply) -> Reply | None:
        """Safety and legal words, or an explicit request for a person, go to a human whatever the score."""
        triggers = self.data.triggers
        safety = next((w for w in triggers.safety if w in r.query.norm), None)
        if safety:
            return replace(base, team="safety", message=MESSAGES["safety"],
                           reason=f"the question mentions「{safety}」(safety or legal)")
        human = next((w for w in triggers.human if w in r.query.norm), None)
        if human:
            return replace(base, message=MESSAGES["human"], reason=f"the user asked for a person (「{human}」)")
        return None

    def _by_confidence(self, r: Ranked, base: Reply) -> Reply:
        th, p = self.thresholds, r.confidence
        if not len(r.entries):
            return replace(base, reason="nothing in the KB matches")
        top = self.data.entries[int(r.entries[0])]
        sensitive = top.risk == "sensitive"
        needed = th.answer_sensitive if sensitive else th.answer
        matched = self.data.question_texts[int(r.matched[0])]
        clarify = replace(base, decision="clarify", message=MESSAGES["clarify"])
        if p >= needed:
            if len(r.query.words) < 2 and self.normalizer.normalize(matched) != r.query.norm:
                return replace(clarify, reason=f"confidence {p:.2f}, but a one-word question is too short to be sure")
            ref = AnswerRef(id=top.id, question=top.question, answer=top.answer, category=top.category,
                            matched_question=matched, team=top.team, risk=top.risk)
            return replace(base, decision="answer", answer=ref, offer_human=sensitive,
                           message=MESSAGES["sensitive"] if sensitive else "",
                           reason=f"confidence {p:.2f} >= answer threshold {needed:.2f}"
                           + (" (sensitive entry)" if sensitive else ""))
        if p >= th.clarify:
            return replace(clarify,
                           reason=f"confidence {p:.2f} between clarify {th.clarify:.2f} and answer {needed:.2f}")
        if self.pick_share(r.scores) >= CLEAR_PICK_SHARE:
            return replace(clarify, reason=f"confidence {p:.2f} below the clarify threshold {th.clarify:.2f}, but "
                           "the first entry is clearly ahead of the others")
        return replace(base, reason=f"confidence {p:.2f} below the clarify threshold {th.clarify:.2f}")
