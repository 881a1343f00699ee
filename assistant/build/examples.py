"""What calibration learns from: one question asked at build time, with its candidates and the entries that
answer it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kb import KnowledgeBase

# in: a held-out KB question; variant: a generated variant of the only question of an entry without similar
# questions (variants.py); user: a labelled user's question (tune/*.jsonl). Their *_oos twins and the off-domain
# probes are the examples no entry answers.
IN_SCOPE = ("in", "user", "variant")


@dataclass
class Example:
    golds: tuple[int, ...]  # every entry that answers it (none: out of scope)
    features: np.ndarray
    entries: np.ndarray
    n_words: int
    question: int = -1  # KB question index, or -1 for a probe or a user's question
    kind: str = "in"  # in | oos | variant | variant_oos | probe | user | user_oos (kind_weights) | check (self-test)
    source: str = ""  # a variant: "variants" (generated) or "entry_questions" (the question itself)

    @property
    def labels(self) -> np.ndarray:
        """1.0 for the candidates that answer it."""
        return np.isin(self.entries, self.golds).astype(np.float64)


def asked_in_calibration(kb: KnowledgeBase) -> np.ndarray:
    """Per KB question (in index order), whether calibration asks it with itself (and, as out of scope, with its
    entry) left out: all but the learned ones. A question the console accepted from traffic was picked because the
    service failed on it; asked with itself left out it fails again, four times as often as the KB's own
    paraphrases at the same confidence on the ths_faq replay (scripts/replay.py), and the answer threshold climbed
    with every round of accepted questions while the traffic they came from was answered better."""
    return np.array([n < 1 + len(e.similar) for e in kb.entries for n in range(len(e.questions))], dtype=bool)
