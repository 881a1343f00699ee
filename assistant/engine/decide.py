"""The last stage: what to do with a message. Intents first (a threat, a request for a person, small talk, an
off-domain request), then the calibrated confidence: answer, clarify (您是不是想问) or hand off. Every sentence
comes from the KB's voice (voice.yaml)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..index import IndexData
from ..kb.intents import DANGERS
from ..text import Normalizer
from .features import unit_rows
from .feedback import ANSWERED_FEEDBACK, CLARIFIED_FEEDBACK, FeedbackView, asks_for_help
from .intent import NEUTRAL, QUESTION, Rule, matter_entries
from .rank import Ranked

RELATED = 3  # 相关问题 offered after an answer

Decision = Literal["answer", "clarify", "handoff", "smalltalk", "feedback"]
DECISIONS: tuple[Decision, ...] = ("answer", "clarify", "handoff", "smalltalk", "feedback")
# The ranker's softmax share of its pick at which the pick is offered as a choice (您是不是想问) rather than the
# question handed off, however low the calibrated confidence: more likely than all other candidates together.
CLEAR_PICK_SHARE = 0.5


@dataclass(frozen=True)
class Thresholds:
    answer: float
    answer_sensitive: float
    clarify: float

    def to_dict(self) -> dict[str, float]:
        return {"answer": self.answer, "answer_sensitive": self.answer_sensitive, "clarify": self.clarify}

    def to_answer(self, risk: str) -> float:
        """The confidence an entry of this risk needs to be answered."""
        return self.answer_sensitive if risk == "sensitive" else self.answer


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
class Suggestion(AnswerRef):
    """An entry suggested to an agent: the answer as the bot would give it, and how likely it is right."""

    score: float


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
    intent: str = "question"  # question, safety, legal, human, smalltalk.<kind>, offdomain
    emotion: str = NEUTRAL  # angry, anxious, distressed or neutral
    empathy: str = ""  # the acknowledgement that opens the reply of an upset user
    related: tuple[Alternative, ...] = ()  # 相关问题: what users with this question often need next
    context: str | None = None  # a follow-up: the question as resolved against the conversation
    feedback: FeedbackView | None = None  # feedback to record (decision "feedback", or an answer that is both)
    focus: str | None = None  # a follow-up the entry just shown answers again: the part of its answer it asks about

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Decider:
    def __init__(self, data: IndexData, thresholds: Thresholds, normalizer: Normalizer, alternatives: int,
                 default_team: str, related: dict[int, tuple[int, ...]] | None = None) -> None:
        self.data = data
        self.voice = data.voice
        self.thresholds = thresholds
        self.normalizer = normalizer
        self.alternatives = alternatives
        self.default_team = default_team
        self.related = related or {}
        self.matters = matter_entries(data.intents, [e.question for e in data.entries], normalizer.normalize)
        # intents.yaml dangers: the kind of danger whose words a safety message has picks its own voice text
        kinds = {d: data.intents.rule(f"danger.{d}") for d in DANGERS}
        self.dangers = {d: Rule(rule) for d, rule in kinds.items()
                        if rule.patterns and f"safety.{d}" in self.voice.texts["say"]}

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

    def suggestions(self, r: Ranked, k: int) -> list[Suggestion]:
        """The ranking's first ``k`` entries with their scores, for agents (no decision, no handoff rules)."""
        out = []
        for pos in range(min(k, len(r.entries))):
            e = self.data.entries[int(r.entries[pos])]
            out.append(Suggestion(
                id=e.id, question=e.question, answer=e.answer, category=e.category,
                matched_question=self.data.question_texts[int(r.matched[pos])], team=e.team, risk=e.risk,
                score=round(self.share(r.scores, pos, r.confidence), 4),
            ))
        return out

    def decide(self, r: Ranked, session: str | None, total_ms: float, channel: str = "web") -> Reply:
        data = self.data
        alternatives = tuple(
            Alternative(id=data.entries[int(e)].id, question=data.entries[int(e)].question,
                        score=round(self.share(r.scores, pos, r.confidence), 4))
            for pos, e in enumerate(r.entries[: self.alternatives])
        )
        top = data.entries[int(r.entries[0])] if len(r.entries) else None
        emotion = r.intent.emotion
        base = Reply(
            question=r.query.text, decision="handoff", confidence=round(r.confidence, 4), answer=None,
            alternatives=alternatives, reason="", message=self.voice.say("handoff", channel),
            team=(top.team if top is not None and top.team else None) or self.default_team,
            offer_human=True, timing={**{k: round(v, 3) for k, v in r.timing.items()}, "total_ms": round(total_ms, 3)},
            session=session, intent=r.intent.name, emotion=emotion,
            empathy=self.voice.say(f"empathy.{emotion}", channel) if emotion != NEUTRAL else "",
        )
        if r.intent.feedback is not None and r.intent.name == "feedback":
            return self._feedback(r, base, channel, r.intent.feedback)
        # a message handed to a person may carry feedback to record too (engine/assistant.py read_feedback)
        reply = self._by_intent(r, base, channel) or self._by_confidence(r, base, channel)
        return replace(reply, feedback=r.intent.feedback) if r.intent.feedback is not None else reply

    def _feedback(self, r: Ranked, base: Reply, channel: str, view: FeedbackView) -> Reply:
        """Feedback is thanked for and recorded; when the KB also answers it (a crash report and the crash
        troubleshooting entry) the answer is given, and the message recorded all the same; when the KB would offer
        choices for it, they are offered under the thanks. A message the KB
        would offer choices for is feedback only when the model is as sure as it must be to record an answered
        one (孩子偷偷打赏了, 有个不认识的人天天私信烦我: users telling what happened to them, taken for feedback on
        the dialogue tune part; 我想提个建议 能不能加个批量下载 stays feedback)."""
        answered = self._by_confidence(r, base, channel)
        sure = view.probability >= (ANSWERED_FEEDBACK if answered.decision == "answer" else CLARIFIED_FEEDBACK)
        if answered.decision == "answer" or answered.decision == "clarify" and not sure:
            # taken as the question it also is; recorded too only when the model is sure
            return replace(answered, feedback=view) if sure else replace(answered, intent=QUESTION)
        if asks_for_help(r.query.said, view.category):
            # the KB cannot answer what the user asked: a person, and the feedback recorded all the same
            return replace(answered, intent=QUESTION, feedback=view,
                           reason=f"{answered.reason}; feedback asking for help: {view.category}, {view.area} "
                           f"({view.probability:.2f})")
        # thanked and recorded; the entries the KB would have offered are offered beside the thanks when its
        # confidence reaches the clarify threshold (半夜收到消息说我的号在广州登录了 told as a bug, with the account
        # entries among them); not for a first entry only clearly ahead of weak others (a wish for batch downloads
        # and a privacy entry)
        offered = answered.alternatives if answered.decision == "clarify" and r.confidence >= self.thresholds.clarify \
            else ()
        return replace(base, decision="feedback", message=self.voice.say(f"feedback.{view.category}", channel),
                       alternatives=offered, offer_human=False, feedback=view,
                       reason=f"feedback: {view.category}, {view.area} ({view.probability:.2f})")

    def _by_intent(self, r: Ranked, base: Reply, channel: str) -> Reply | None:
        """Threats and requests for a person go to a human whatever the score; small talk gets a reply."""
        intent = r.intent
        if (intent.yields and (answered := self._by_confidence(r, base, channel)).decision == "answer"
                and int(r.entries[0]) not in self.matters.get(intent.name, ())
                and (intent.name != "offdomain" or r.confidence >= intent.certainty)):
            # a question the KB answers with confidence, taken by a word or a meaning the intent model does not back
            # (网页版上哪找客服, 数据中心几点更新): answered, and a person still offered unless it looked off-domain
            offer = intent.name != "offdomain" or answered.offer_human
            return replace(answered, intent=QUESTION, offer_human=offer,
                           message=self.voice.say("sensitive", channel) if offer else answered.message,
                           reason=f"{answered.reason}; {intent.name} {intent.reason} gives way")
        if intent.name in ("safety", "legal"):
            # a person at once, and what to do meanwhile when the KB answers it with confidence (被开盒了怎么办,
            # 有人冒充客服让我转账): the entry's steps shown under the emergency message
            guide = self._by_confidence(r, base, channel)
            given = guide.answer if guide.decision == "answer" else None
            kind = (next((d for d, rule in self.dangers.items() if rule.match(r.query.said)), None)
                    if intent.name == "safety" else None)
            return replace(base, team="safety", message=self.voice.say(f"safety.{kind}" if kind else intent.name,
                                                                       channel), answer=given,
                           reason=f"{intent.name}: {intent.reason}" + (f" ({kind})" if kind else "")
                           + (f"; {given.id} shown meanwhile ({guide.reason})" if given else ""))
        if intent.name == "human":
            return replace(base, message=self.voice.say("human", channel),
                           reason=f"the user asked for a person ({intent.reason})")
        if intent.smalltalk:
            said = (self.voice.say("offdomain.service", channel, service=intent.service) if intent.service
                    else self.voice.say(intent.name, channel))
            return replace(base, decision="smalltalk", message=said,
                           alternatives=(), empathy="",
                           offer_human=intent.name in ("offdomain", "smalltalk.complain_bot"),
                           reason=f"{intent.name}: {intent.reason}")
        return None

    def _by_confidence(self, r: Ranked, base: Reply, channel: str) -> Reply:
        th, p = self.thresholds, r.confidence
        if not len(r.entries):
            return replace(base, reason="nothing in the KB matches")
        index = int(r.entries[0])
        top = self.data.entries[index]
        sensitive = top.risk == "sensitive"
        needed = th.to_answer(top.risk)
        matched = self.data.question_texts[int(r.matched[0])]
        clarify = replace(base, decision="clarify", message=self.voice.say("clarify", channel))
        if p >= needed:
            if len(r.query.words) < 2 and self.normalizer.normalize(matched) != r.query.norm:
                return replace(clarify, reason=f"confidence {p:.2f}, but a one-word question is too short to be sure")
            ref = AnswerRef(id=top.id, question=top.question, answer=top.answer, category=top.category,
                            matched_question=matched, team=top.team, risk=top.risk)
            related = tuple(Alternative(id=self.data.entries[e].id, question=self.data.entries[e].question, score=0.0)
                            for e in self.related.get(index, ()))
            return replace(base, decision="answer", answer=ref, offer_human=sensitive, related=related,
                           message=self.voice.say("sensitive", channel) if sensitive else "",
                           reason=f"confidence {p:.2f} >= answer threshold {needed:.2f}"
                           + (" (sensitive entry)" if sensitive else ""))
        if p >= th.clarify:
            return replace(clarify,
                           reason=f"confidence {p:.2f} between clarify {th.clarify:.2f} and answer {needed:.2f}")
        if self.pick_share(r.scores) >= CLEAR_PICK_SHARE:
            return replace(clarify, reason=f"confidence {p:.2f} below the clarify threshold {th.clarify:.2f}, but "
                           "the first entry is clearly ahead of the others")
        return replace(base, reason=f"confidence {p:.2f} below the clarify threshold {th.clarify:.2f}")


def related_entries(data: IndexData, n: int = RELATED, block: int = 512) -> dict[int, tuple[int, ...]]:
    """Per entry, the entries of its category nearest to it (centroids of their questions): what a user with
    this question is likely to need next. Nearest first, ties in entry order. A category's similarities are
    taken ``block`` entries at a time (all of them at once were 1.1 GB, and ~50 s of sorting, at 16.7k entries)."""
    if not data.question_count:
        return {}
    centroids = unit_rows(np.add.reduceat(np.asarray(data.vectors), data.starts, axis=0)).astype(np.float64)
    by_category: dict[str, list[int]] = {}
    for i, e in enumerate(data.entries):
        by_category.setdefault(e.category, []).append(i)
    out: dict[int, tuple[int, ...]] = {}
    for members in by_category.values():
        k = min(n, len(members) - 1)
        if k <= 0:  # alone in its category (or nothing asked for)
            out.update((i, ()) for i in members)
            continue
        group = np.asarray(members, dtype=np.int64)
        for lo in range(0, len(group), block):
            rows = np.arange(lo, min(lo + block, len(group)))
            # in float64 to 1e-9: equal centroids tie exactly (in entry order), however the product's blocks round
            sims = np.round(centroids[group[rows]] @ centroids[group].T, 9)
            sims[np.arange(len(rows)), rows] = -np.inf  # not itself
            # the k-th largest of each row, then everything at least as near, nearest first and ties in order
            kth = -np.partition(-sims, k - 1, axis=1)[:, k - 1]
            r, c = np.nonzero(sims >= kth[:, None])
            order = np.lexsort((c, -sims[r, c], r))
            r, c = r[order], c[order]
            first = np.arange(len(r)) - np.searchsorted(r, np.arange(len(rows)))[r] < k  # each row has >= k
            near = group[c[first]].reshape(len(rows), k)
            out.update(zip(group[rows].tolist(), map(tuple, near.tolist()), strict=True))
    return out
