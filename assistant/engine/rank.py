"""Learned ranking and calibrated confidence (fitted at build time on held-out KB questions, build/calibrate.py).

Three small linear models:
- the ranker orders the candidate entries from their retrieval features (the tuned fusion of both legs): a
  listwise softmax, fitted to pick each held-out question's entry among its candidates;
- the scorer gives each candidate the pointwise probability (logistic) that it is right, from the same features;
- the calibrator maps the ranker's pick and the scorer's view of the list (top score, gap to the runner-up,
  coverage...) to the probability that the pick is right.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .features import Candidates, F, ranker_columns
from .intent import QUESTION, Intent
from .logistic import Logistic
from .query import Query

CALIBRATION_FEATURES = (
    "top_score", "gap", "dense_max", "dense_rrank", "lex_rrank", "coverage", "polarity_conflict", "length",
    "top_share", "knn_votes", "rank_gap",
)
LISTWISE_INPUTS = ("rank_gap",)  # read only by a calibrator that learns from users' questions (build/calibrate.py)


def rank(order_scores: np.ndarray, point_scores: np.ndarray, features: np.ndarray, n_words: int
         ) -> tuple[np.ndarray, np.ndarray]:
    """The candidates' order (by the listwise ranker) and the calibrator's inputs. Those read the pointwise
    scores, the ranker's pick first and the rest in their own order, and the ranker's margin over its runner-up:
    listwise scores grow as sure as the KB's own paraphrases are easy, so alone they overstate how sure an answer
    to a real user is; beside the pointwise view, and learned on users' questions where the KB has them, their
    margin separates right picks from wrong ones."""
    order = np.argsort(-order_scores, kind="stable")
    if not len(order):
        return order, query_features(np.zeros(0), np.zeros(features.shape[1]), n_words)
    top = int(order[0])
    rest = np.delete(point_scores, top)
    scores = np.concatenate(([point_scores[top]], np.sort(rest)[::-1]))
    margin = float(order_scores[top] - order_scores[order[1]]) if len(order) > 1 else 10.0
    return order, query_features(scores, features[top], n_words, margin)


def query_features(scores: np.ndarray, top_features: np.ndarray, n_words: int, rank_gap: float = 10.0
                   ) -> np.ndarray:
    """Calibration inputs from a ranked candidate list (scores sorted descending, features of the top, the
    ranker's margin)."""
    top = scores[0] if len(scores) else -10.0
    gap = top - scores[1] if len(scores) > 1 else 10.0
    share = 1.0 / float(np.exp(np.asarray(scores) - top).sum()) if len(scores) else 0.0
    f = top_features
    return np.array([top, gap, f[F.dense_max], f[F.dense_rrank], f[F.lex_rrank], f[F.coverage], f[F.polarity_conflict],
                     np.log1p(n_words), share, f[F.knn_votes], rank_gap], dtype=np.float64)


@dataclass(frozen=True)
class Ranked:
    """Candidates in ranked order with the calibrated probability that the first is right."""

    query: Query
    entries: np.ndarray
    scores: np.ndarray
    matched: np.ndarray
    confidence: float
    timing: dict[str, float]
    intent: Intent = Intent(QUESTION)


class Ranker:
    """The stage that orders a query's candidates and says how likely the first is right, with the three models
    an index version carries in its manifest."""

    def __init__(self, ranker: dict[str, Any], scorer: dict[str, Any], calibrator: dict[str, Any]) -> None:
        self.ranker = Logistic.from_dict(ranker)
        self.ranker_columns = ranker_columns(ranker["features"])
        self.scorer = Logistic.from_dict(scorer)
        self.scorer_columns = ranker_columns(scorer["features"])
        self.calibrator = Logistic.from_dict(calibrator)
        # by name: a version keeps working when calibration inputs are added
        self.calibrator_columns = np.array([CALIBRATION_FEATURES.index(n) for n in calibrator["features"]])

    def rank(self, query: Query, c: Candidates, timing: dict[str, float]) -> Ranked:
        t0 = time.perf_counter()
        scores = self.ranker.logit(c.features[:, self.ranker_columns])
        order, qf = rank(scores, self.scorer.logit(c.features[:, self.scorer_columns]), c.features,
                         len(query.words))
        confidence = float(self.calibrator.proba(qf[None, self.calibrator_columns])[0]) if len(order) else 0.0
        timing = {**timing, "rank_ms": (time.perf_counter() - t0) * 1e3}
        return Ranked(query, c.entries[order], scores[order], c.matched[order], confidence, timing)
