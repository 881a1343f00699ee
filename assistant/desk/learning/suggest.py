"""A gap's suggested action, with its evidence.

* add the gap's questions as similar questions of entry X, when users picked X in clarify or agents answered
  such tickets with X's answer (strong evidence), or, failing those, when X was the bot's near-tie;
* a new entry whose draft answer is the agents' reply, when agents answered the gap's tickets in their own words;
* out of scope, when nothing points anywhere and the questions were read as off-domain.

A question is only proposed for X when its own evidence does not point elsewhere (a user who rated X 没帮助, or
an agent who answered with Y, says it is not X's).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

INSERTED = 0.6  # an agent's reply that shares this much of an answer's character bigrams inserted that answer


@dataclass(frozen=True)
class Item:
    question: str
    kind: str
    entry_id: str | None = None  # picked (kind picked) or rated 没帮助 (kind not_helpful)
    intent: str | None = None
    reply: str | None = None  # the agent's reply to the ticket this question opened
    team: str | None = None
    near: tuple[str, ...] = ()  # the entries the bot ranked first for it (near-ties)


@dataclass(frozen=True)
class Evidence:
    kind: str  # picked, inserted, near_tie, reply, not_helpful, offdomain
    question: str
    entry_id: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Suggestion:
    action: str  # add_similar, new_entry, out_of_scope, review
    entry_id: str | None = None
    questions: tuple[str, ...] = ()
    answer: str | None = None
    team: str | None = None
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def strong(self) -> bool:
        """Backed by what users or agents did (picks, inserted answers, agents' replies), not only near-ties."""
        return any(e.kind in ("picked", "inserted", "reply") for e in self.evidence)


def bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def inserted_entry(reply: str | None, answers: Mapping[str, str]) -> str | None:
    """The entry whose answer an agent's reply carries (the console's 插入 puts it in, the agent may add a
    greeting or a line), or None."""
    if not reply:
        return None
    got = bigrams(reply)
    best, share = None, 0.0
    for entry_id, answer in answers.items():
        ref = bigrams(answer)
        s = len(ref & got) / len(ref) if ref else 0.0
        if s > share:
            best, share = entry_id, s
    return best if share >= INSERTED else None


def item_evidence(item: Item, answers: Mapping[str, str]) -> list[Evidence]:
    out = []
    if item.kind == "picked" and item.entry_id:
        out.append(Evidence("picked", item.question, item.entry_id))
    if item.kind == "not_helpful" and item.entry_id:
        out.append(Evidence("not_helpful", item.question, item.entry_id))
    inserted = inserted_entry(item.reply, answers)
    if inserted:
        out.append(Evidence("inserted", item.question, inserted))
    elif item.reply:
        out.append(Evidence("reply", item.question, None, item.reply))
    if item.near:
        out.append(Evidence("near_tie", item.question, item.near[0]))
    if item.intent == "offdomain":
        out.append(Evidence("offdomain", item.question))
    return out


def suggest(items: Sequence[Item], answers: Mapping[str, str], known: Mapping[str, set[str]]) -> Suggestion:
    """``answers``: entry id -> answer; ``known``: entry id -> its questions (normalised as the caller likes)."""
    per = [item_evidence(i, answers) for i in items]
    evidence = tuple(e for es in per for e in es)
    strong = Counter(e.entry_id for e in evidence if e.kind in ("picked", "inserted"))
    weak = Counter(e.entry_id for e in evidence if e.kind == "near_tie")
    target = strong.most_common(1)[0][0] if strong else (weak.most_common(1)[0][0] if weak else None)
    if target is not None:
        questions = _questions_for(target, items, per, known.get(target, set()))
        if questions:
            return Suggestion("add_similar", target, questions, evidence=evidence)
    replies = [e.text for e in evidence if e.kind == "reply" and e.text]
    if replies:
        answer = Counter(replies).most_common(1)[0][0]
        questions = tuple(dict.fromkeys(i.question for i in items))
        team = Counter(i.team for i in items if i.team).most_common(1)
        return Suggestion("new_entry", None, questions, answer, team[0][0] if team else None, evidence)
    if any(e.kind == "offdomain" for e in evidence):
        return Suggestion("out_of_scope", questions=tuple(dict.fromkeys(i.question for i in items)),
                          evidence=evidence)
    return Suggestion("review", questions=tuple(dict.fromkeys(i.question for i in items)), evidence=evidence)


def _questions_for(target: str, items: Sequence[Item], per: Sequence[list[Evidence]],
                   known: set[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for item, es in zip(items, per, strict=True):
        points = {e.entry_id for e in es if e.kind in ("picked", "inserted")}
        against = {e.entry_id for e in es if e.kind == "not_helpful"}
        if target in against or (points and target not in points) or item.question in known:
            continue
        if not points and any(e.kind == "reply" for e in es):  # an agent answered it in other words
            continue
        out[item.question] = None
    return tuple(out)


# Of the accepted questions, the share kept as labelled users' questions (tune/learned.jsonl) instead of similar
# questions. 0: measured by scripts/replay.py on ths_faq, a third there (--labelled) made the build's answer threshold
# stricter (0.84 -> 0.90 after one round, served coverage 0.53 -> 0.42): a few hundred labelled questions carry
# FAQ_TUNE_SHARE of their class's weight, so each weighs like a dozen KB questions and one confident mistake among
# them stops the threshold (calibrate.answer_threshold); as similar questions they improve retrieval instead.
LABELLED_SHARE = 0.0


def split_labelled(questions: Sequence[str], share: float = LABELLED_SHARE) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Accepted questions -> (similar questions for the entry, labelled users' questions for calibration), by the
    md5 of the text so the choice never changes; the entry always gets at least one of them."""
    similar: list[str] = []
    labelled: list[str] = []
    for q in questions:
        h = int(hashlib.md5(q.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
        (labelled if h < share else similar).append(q)
    if not similar and labelled:
        similar.append(labelled.pop(0))
    return tuple(similar), tuple(labelled)
