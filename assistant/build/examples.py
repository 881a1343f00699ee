"""What calibration learns from: one question asked at build time, with its candidates and the entries that
answer it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    kind: str = "in"  # in | oos | variant | variant_oos | probe | user | user_oos (kind_weights)
    source: str = ""  # a variant: "variants" (generated) or "entry_questions" (the question itself)

    @property
    def labels(self) -> np.ndarray:
        """1.0 for the candidates that answer it."""
        return np.isin(self.entries, self.golds).astype(np.float64)
