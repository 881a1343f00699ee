"""The KB's labelled users' questions (tune/*.jsonl) indexed beside the entries' own questions.

A user's question that one entry answers is a way real users ask that entry, often closer to the next user's words
than the maintainers' paraphrases (小黄车 for 商品橱窗, 蜜码 for 密码). The index holds it as a learned question of
its entry: searched, voted for and read by BM25 like the similar questions, never asked by the KB's own
cross-fitting (build/examples.py ``asked_in_calibration``).

Calibration still asks every user's question, as a user new to the index: with every question of its own file
left out (calibrate.py ``CrossFitter.user_examples``). A tune file is one writer's questions, and one writer's two
questions for an entry are closer to each other than to anyone else's; left in, they made the answers look surer
than they were. The adapter and the intent and feedback models learn from the KB's own questions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..kb import KnowledgeBase, LabelledQuestion
from .examples import asked_in_calibration


def with_users_questions(kb: KnowledgeBase) -> tuple[KnowledgeBase, np.ndarray]:
    """The KB with each user's question that exactly one entry answers added to that entry's learned questions
    (a text already indexed is not added again), and per indexed question, in index order, the number of the tune
    file it came from (-1: the KB's own question)."""
    files = tune_files(kb)
    added: dict[str, dict[str, int]] = {}  # entry id -> text -> tune file
    seen = {q for e in kb.entries for q in e.questions}
    for labelled in kb.tune:
        if len(labelled.expected) != 1 or labelled.query in seen:
            continue
        seen.add(labelled.query)
        added.setdefault(labelled.expected[0], {})[labelled.query] = files[tune_file(labelled)]
    entries, origin = [], []
    for entry in kb.entries:
        new = added.get(entry.id, {})
        entries.append(entry.model_copy(update={"learned": entry.learned + tuple(new)}) if new else entry)
        origin += [-1] * len(entry.questions) + list(new.values())
    return replace(kb, entries=tuple(entries)), np.array(origin, dtype=np.int64)


def tune_file(labelled: LabelledQuestion) -> str:
    return labelled.source.rsplit(":", 1)[0]  # file:line


def tune_files(kb: KnowledgeBase) -> dict[str, int]:
    """The KB's tune files, numbered in the order their questions come."""
    return {name: n for n, name in enumerate(dict.fromkeys(tune_file(q) for q in kb.tune))}


def left_out(kb: KnowledgeBase, question_texts: Sequence[str], origin: np.ndarray | None) -> list[list[int]]:
    """Per user's question (in ``kb.tune`` order), the indexed questions calibration leaves out when it asks it:
    its own copy among the learned ones (accepted from the traffic too) and, with the users' questions indexed
    (``origin``), every question of its own tune file."""
    learned: dict[str, set[int]] = {}
    for i in np.flatnonzero(~asked_in_calibration(kb)).tolist():
        learned.setdefault(question_texts[i], set()).add(i)
    files = tune_files(kb)
    by_file = {n: np.flatnonzero(origin == n).tolist() for n in files.values()} if origin is not None else {}
    out = []
    for labelled in kb.tune:
        same = learned.get(labelled.query, set()) | set(by_file.get(files[tune_file(labelled)], ()))
        out.append(sorted(same))
    return out
