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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .features import Candidates, F, ranker_columns
from .query import Query

CALIBRATION_FEATURES = (
    "top_score", "gap", "dense_max", "dense_rrank", "lex_rrank", "coverage", "polarity_conflict", "length",
    "top_share", "knn_votes", "rank_gap",
)
LISTWISE_INPUTS = ("rank_gap",)  # read only by a calibrator that learns from users' questions (build/calibrate.py)


@dataclass(frozen=True)
class Logistic:
    """Standardised-input logistic regression; parameters round-trip through the manifest as plain lists."""

    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, l2: float = 1e-2) -> Logistic:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
        w = w / w.mean()
        mean, std = x.mean(0), x.std(0)
        std[std < 1e-9] = 1.0
        z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
        beta = np.zeros(z.shape[1])
        reg = np.full(z.shape[1], l2 * len(y))
        reg[-1] = 0.0
        for _ in range(50):  # Newton-Raphson (IRLS); converges in a handful of steps
            p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
            grad = z.T @ (w * (p - y)) + reg * beta
            hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(beta))
            step = np.linalg.solve(hess, grad)
            beta -= step
            if np.abs(step).max() < 1e-7:
                break
        return cls(mean=mean, std=std, coef=beta[:-1], intercept=float(beta[-1]))

    @classmethod
    def fit_listwise(cls, lists: Sequence[np.ndarray], gold: Sequence[int], l2: float = 1e-2,
                     weight: Sequence[float] | None = None) -> Logistic:
        """A linear score whose softmax over each list of candidates picks its gold one (listwise cross-entropy,
        weighted mean over lists, plus ``l2`` times the squared weights on standardised inputs; Newton steps).
        The intercept is zero: it cannot change an order."""
        x = np.vstack(lists).astype(np.float64)
        mean, std = x.mean(0), x.std(0)
        std[std < 1e-9] = 1.0
        z = (x - mean) / std
        sizes = np.array([len(a) for a in lists])
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        z_gold = z[starts + np.asarray(gold)]
        w = np.ones(len(lists)) if weight is None else np.asarray(weight, dtype=np.float64)
        w = w / w.sum()
        d = z.shape[1]

        def loss_and_p(beta: np.ndarray) -> tuple[float, np.ndarray]:
            s = z @ beta
            top = np.maximum.reduceat(s, starts)
            e = np.exp(s - np.repeat(top, sizes))
            total = np.add.reduceat(e, starts)
            lse = top + np.log(total)
            return float(w @ (lse - z_gold @ beta) + l2 * beta @ beta), e / np.repeat(total, sizes)

        beta = np.zeros(d)
        loss, p = loss_and_p(beta)
        for _ in range(50):
            mean_z = np.add.reduceat(z * p[:, None], starts)  # each list's expected input
            grad = w @ (mean_z - z_gold) + 2 * l2 * beta
            hess = (z * (p * np.repeat(w, sizes))[:, None]).T @ z - (mean_z * w[:, None]).T @ mean_z
            step = np.linalg.solve(hess + 2 * l2 * np.eye(d), grad)
            t = 1.0
            while True:  # backtracking: a full Newton step can overshoot far from the optimum
                new_loss, new_p = loss_and_p(beta - t * step)
                if new_loss <= loss or t < 1e-4:
                    break
                t /= 2
            beta, loss, p = beta - t * step, new_loss, new_p
            if np.abs(t * step).max() < 1e-7:
                break
        return cls(mean=mean, std=std, coef=beta, intercept=0.0)

    def logit(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = ((np.asarray(x, dtype=np.float64) - self.mean) / self.std) @ self.coef + self.intercept
        return out

    def proba(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(self.logit(x), -30, 30)))
        return out

    def to_dict(self, names: Sequence[str]) -> dict[str, Any]:
        return {"features": list(names), "mean": self.mean.tolist(), "std": self.std.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Logistic:
        return cls(mean=np.asarray(d["mean"]), std=np.asarray(d["std"]), coef=np.asarray(d["coef"]),
                   intercept=float(d["intercept"]))


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
