"""A follow-up about an answer already shown (申诉多久出结果 -> 那要等多久): the part of that answer which answers it.

Nearly half of the tune dialogues' follow-ups are answered by the entry the conversation has just shown; repeating
its whole answer makes the user read it again to find one line. The answer is cut into units (a numbered step, or
one sentence of a paragraph) and the follow-up picks the unit (or two) it asks about: by meaning (the model's
cosine), by the kind of thing it asks for (how long, how many, how much, where) and by the words it shares with each
unit. A follow-up that picks no unit clearly gets the whole answer, as before; the widget shows the picked part with
the whole answer folded under it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .cache import LruCache
from .query import Query

__all__ = ["Focus", "Focuser", "units"]

_LEAD = re.compile(r"[：:]\s*$")  # a list's lead-in (可以这样投诉：)
_STEP = re.compile(r"^\s*\d+\s*[.、．)）]")
_SENTENCE = re.compile(r"[^。！？!?；;]*(?:[。！？!?；;]+|$)")

# What a follow-up asks for, and the words of a unit that says it. Each kind: (asked, said).
KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("time",
     re.compile(r"多久|多长时间|多少天|几天|几个?小时|几分钟|几周|几个月|什么时候|啥时候|何时|要等|等多|过期|有效期|期限|多快|"
                r"几点|时间"),
     re.compile(r"\d+\s*(个)?(工作日|小时|天|分钟|周(?!岁)|个月|月|年|秒)|[一二两三四五六七八九十半]+(个)?(工作日|小时|天|分钟|周(?!岁)|个月|年)|"
                r"当天|次日|实时|立即|立刻|马上|随时|即时|永久|长期|期间|之内|以内|内(恢复|到账|处理|完成|生效|给出)")),
    ("count",
     re.compile(r"几个|几条|几次|几张|几级|多少个|多少条|多少次|多少字|多少人|多少粉|最多|最少|上限|下限|多长|多大|几岁|多少岁|限制|门槛|"
                r"要求"),
     re.compile(r"\d+|[一二两三四五六七八九十百千万]+(个|条|次|张|级|字|人|岁|秒|分钟|名|位)|上限|最多|最少|不超过|至少|以上|以下|满")),
    ("money",
     re.compile(r"多少钱|费用|收费|要钱|花钱|免费|押金|保证金|手续费|扣钱|扣多少|退多少|比例|抽成|分成|几个点|税"),
     re.compile(r"元|块|%|％|免费|费用|收费|押金|保证金|手续费|比例|抽成|分成|扣除|税")),
    ("where",
     re.compile(r"在哪|哪里|哪儿|去哪|入口|从哪|怎么找|找不到|哪个(页面|地方|按钮)|点哪"),
     re.compile(r"「|→|>|进入|打开|点击|页面|入口")),
)
# A wait asked about (那要等多久, 多久能解, 什么时候出结果) is answered by how long the thing takes, not by a
# deadline the user must keep (请在收到通知后30天内申诉): a deadline does not say the kind asked for
WAIT = re.compile(r"等|多久|多长时间|几天|什么时候|啥时候|何时")
DEADLINE = re.compile(r"请在|请于|需在|需要在|之前|前(提交|申诉|申请|完成|操作)"
                      r"|内(申诉|提交|申请|操作|发起|补充|上传|联系)")
MIN_UNITS = 3  # an answer this short is shown whole: there is nothing to find in it
# A unit's score: the model's cosine between the follow-up and the unit, plus these for a unit that says the kind of
# thing asked for, for the share of the follow-up's words it has, and minus this for a list's lead-in (…如下：).
# Picked on tests/fixtures/eval/focus/tune.jsonl (164 labelled follow-ups, 42nd session): the right unit first
# 0.62 with the cosine and the kinds alone, 0.72 with the words and the lead-in too (a grid of 90; 0.70-0.72 around it)
W_KIND, W_WORDS, W_LEAD = 0.1, 0.3, 0.1
# the first unit must lead the second by this much: on the tune labels 0.04 showed a unit for 60% of them, right 0.85
# of the time; 0.06, 50% at 0.89; 0.10, 30% at 0.98. Failing that, the first two are shown together when they lead
# the third by this much (an answer of four units or more: 一般1个工作日内完成审核 with 超过3个工作日仍无结果…): with
# pairs at 0.05 a part was shown for 107 of the 164 instead of 87, and held a labelled unit 0.88 of the time either
# way (0.03: 117 at 0.87; 0.10: 92 at 0.88); otherwise the whole answer is shown
MIN_MARGIN = 0.05
MIN_MARGIN_PAIR = 0.05


@dataclass(frozen=True)
class Focus:
    units: tuple[int, ...]  # the picked units' positions in the answer, in its order
    text: str  # those units, one per line
    margin: float  # how far the picked units' scores lead the next unit's


@dataclass(frozen=True)
class _Read:  # an answer as the focuser reads it, once
    units: list[str]
    vectors: np.ndarray
    words: list[set[str]]
    lead: np.ndarray


def units(answer: str) -> list[str]:
    """The answer's units: each numbered step whole, each other line cut into its sentences."""
    out: list[str] = []
    for line in answer.splitlines():
        line = line.strip()
        if not line:
            continue
        if _STEP.match(line):
            out.append(line)
            continue
        out.extend(s.strip() for s in _SENTENCE.findall(line) if s.strip())
    return out


class Focuser:
    """``pick(text, answer)``: the unit of ``answer`` (or two) that the follow-up ``text`` asks about, or None for the
    whole answer. Texts are read as the retriever reads them (normalised, Cantonese in Mandarin, canonical words,
    segmented) and by the model (``vectors``: model texts to their vectors); an answer's units are read once."""

    def __init__(self, prepare: Callable[[str], Query], vectors: Callable[[list[str]], dict[str, np.ndarray]],
                 cached: int = 1024) -> None:
        self.prepare = prepare
        self.vectors = vectors
        self.read: LruCache[str, _Read] = LruCache(cached)

    def pick(self, text: str, answer: str) -> Focus | None:
        read = self._read(answer)
        if len(read.units) < MIN_UNITS:
            return None
        q = self.prepare(text)
        asked = {w for w in q.tokens if len(w) > 1}
        name, kind = next(((name, says) for name, asks, says in KINDS if asks.search(q.said)), ("", None))
        waits = name == "time" and WAIT.search(q.said) is not None
        scores = (read.vectors @ _unit(self.vectors([q.norm])[q.norm]) - W_LEAD * read.lead
                  + W_WORDS * np.array([_share(asked, w) for w in read.words])
                  + W_KIND * np.array([1.0 if kind is not None and kind.search(u) and not (waits and DEADLINE.search(u))
                                       else 0.0 for u in read.units]))
        order = [int(i) for i in np.argsort(-scores)]
        if scores[order[0]] - scores[order[1]] >= MIN_MARGIN:
            picked = order[:1]
        elif len(order) > MIN_UNITS and scores[order[1]] - scores[order[2]] >= MIN_MARGIN_PAIR:
            picked = sorted(order[:2])
        else:
            return None
        if sum(len(read.units[i]) for i in picked) * 2 > sum(len(u) for u in read.units):
            return None
        margin = float(min(scores[i] for i in picked) - scores[order[len(picked)]])
        return Focus(tuple(picked), "\n".join(read.units[i] for i in picked), round(margin, 4))

    def _read(self, answer: str) -> _Read:
        found = self.read.get(answer)
        if found is None:
            parts = units(answer)
            queries = [self.prepare(u) for u in parts]
            found_vectors = self.vectors([q.norm for q in queries])
            vectors = np.stack([_unit(found_vectors[q.norm]) for q in queries]) if parts else np.zeros((0, 1))
            found = _Read(parts, vectors, [set(q.tokens) for q in queries],
                          np.array([1.0 if _LEAD.search(u) else 0.0 for u in parts]))
            self.read.put(answer, found)
        return found


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(v))
    return v / n if n else v


def _share(asked: set[str], unit: set[str]) -> float:
    return len(asked & unit) / len(asked) if asked else 0.0
