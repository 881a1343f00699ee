"""Calibration for entries that have no similar questions (an imported KB often starts so): their only question
cannot be held out (nothing of the entry would be left to find), so it is asked in generated variants instead.

The variants are what users make of a question they half know: about half of its content words (忘记登录密码了，
怎么通过绑定的手机号找回 -> 密码手机号找回), one word left out, a spoken opening with a typo. Each is asked against
the index with its entry in it (in scope) and with the entry left out (in-domain but unanswerable), exactly as a
held-out similar question is. They are still easier than real paraphrases, so the confidence learned from them is
surer than it should be: on the shipped KB stripped of its similar questions, its users' questions of the tune part
were answered with precision 0.83 (target 0.95) when the variants were a dropped word, a typo and an opening; with
the half-the-words variants 0.92 (coverage 0.16; the rest mostly get a choice). Add similar questions (or labelled
users' questions in tune/) as the KB grows. An entry whose question yields no variant (one or two characters) is
asked with its own question, the last resort. The manifest says which fallback a build used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from ..engine.embed import apply_adapter
from ..engine.features import HeldOut
from ..engine.retrieve import HybridRetriever
from ..kb import KnowledgeBase
from ..kb.validate import question_key
from ..text import JiebaSegmenter
from .examples import Example

OPENINGS = ("请问", "我想问下", "问一下")  # spoken openings users put before a question
PER_QUESTION = 3
QUESTION_WORDS = frozenset({"怎么", "怎么办", "怎样", "如何", "为什么", "什么", "哪里", "在哪", "可以", "能不能", "吗"})


def variants(norm: str, segmenter: JiebaSegmenter, rng: np.random.Generator, n: int = PER_QUESTION) -> list[str]:
    """Up to ``n`` distinct variants of a normalised question, none equal to it (as question_key compares)."""
    seen = {question_key(norm)}
    out: list[str] = []
    if len(next(iter(seen))) <= 2:  # 好, 退款: nothing to leave out or misspell
        return out
    for make in (_keywords, _drop_word, _keywords, _opening):
        text = make(norm, segmenter, rng)
        key = question_key(text)
        if len(key) >= 2 and key not in seen:
            seen.add(key)
            out.append(text)
    return out[:n]


def _drop_word(norm: str, segmenter: JiebaSegmenter, rng: np.random.Generator) -> str:
    words = [w for w in dict.fromkeys(segmenter.words(norm)) if w in norm and len(w) < len(norm) - 1]
    if len(words) < 2:
        return norm
    word = words[int(rng.integers(len(words)))]
    return norm.replace(word, "", 1)


def _keywords(norm: str, segmenter: JiebaSegmenter, rng: np.random.Generator) -> str:
    """About half of the question's content words, in their order: how users type a question they half know
    (忘记登录密码了，怎么通过绑定的手机号找回 -> 密码手机号找回)."""
    found = list(dict.fromkeys(w for w in segmenter.words(norm) if w in norm and w not in QUESTION_WORDS))
    words = [w for w in found if not any(w != other and w in other for other in found)]  # the longest pieces
    if len(words) < 2:
        return norm
    keep = sorted(rng.choice(len(words), (len(words) + 1) // 2, replace=False).tolist())
    return "".join(sorted((words[i] for i in keep), key=norm.index))


def _typo(norm: str, segmenter: JiebaSegmenter, rng: np.random.Generator) -> str:
    chars = list(norm)
    if len(chars) < 4:
        return norm
    i = int(rng.integers(1, len(chars) - 1))
    if rng.random() < 0.5:
        del chars[i]
    else:
        chars[i - 1], chars[i] = chars[i], chars[i - 1]
    return "".join(chars)


def _opening(norm: str, segmenter: JiebaSegmenter, rng: np.random.Generator) -> str:
    shorter = _typo(norm, segmenter, rng) if len(norm) >= 6 else norm
    return OPENINGS[int(rng.integers(len(OPENINGS)))] + shorter


def variant_examples(retriever: HybridRetriever, matrix: np.ndarray | None, questions: Iterable[int],
                     encode: Callable[[list[str], str], np.ndarray], seed: int) -> list[Example]:
    """The in-scope and unanswerable examples of the given questions (each its entry's only one), asked in
    variants (or as themselves when no variant can be made)."""
    data = retriever.data
    rng = np.random.default_rng(seed)
    asked: list[tuple[int, str, str]] = []  # (KB question, text asked, source)
    for i in questions:
        found = variants(retriever.normalizer.normalize(data.question_texts[i]), retriever.segmenter, rng)
        asked += [(i, v, "variants") for v in found] or [(i, data.question_texts[i], "entry_questions")]
    if not asked:
        return []
    queries = [retriever.prepare(text) for _, text, _ in asked]
    vectors = apply_adapter(matrix, encode([q.norm for q in queries], "embedding question variants"))
    sims, ids = retriever.dense_search(vectors)
    out = []
    for n, ((i, _, source), query) in enumerate(zip(asked, queries, strict=True)):
        gold = int(data.question_entry[i])
        hit, lex = (sims[n], ids[n]), retriever.lexical_scores(query)
        for kind, held_out in (("variant", HeldOut()), ("variant_oos", HeldOut(entry=gold))):
            c = retriever.candidates_held_out(query, vectors[n], hit, lex, held_out)
            out.append(Example((gold,) if kind == "variant" else (), c.features, c.entries, len(query.words), i,
                               kind, source))
    return out


def fallback_used(examples: list[Example]) -> str:
    """What stood in for similar questions the KB lacks: "none", "variants", "entry_questions" or both."""
    used = sorted({e.source for e in examples if e.kind == "variant"}, key=("variants", "entry_questions").index)
    return "+".join(used) or "none"


def fallback_counts(kb: KnowledgeBase, examples: list[Example]) -> dict[str, int]:
    sources = Counter(e.source for e in examples if e.kind == "variant")
    return {"entries_without_similar": sum(1 for e in kb.entries if not e.similar),
            "variants": sources["variants"], "entry_questions": sources["entry_questions"]}
