"""Standardised-input logistic regression, pointwise (Newton) and listwise (a softmax over candidates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

WIDE = 1024  # wider inputs (the feedback models' n-grams) solve each Newton step by conjugate gradients
CG_TOL = 1e-4  # the inner solve's tolerance near the optimum (relative to the gradient's norm)


@dataclass(frozen=True)
class Logistic:
    """Standardised-input logistic regression; parameters round-trip through the manifest as plain lists."""

    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def fit(cls, x: np.ndarray | sparse.spmatrix | Inputs, y: np.ndarray, weight: np.ndarray | None = None,
            l2: float = 1e-2) -> Logistic:
        """``x``: the rows as an array, a scipy sparse matrix (the n-gram columns of the feedback and intent
        models: most of their cells are zero), or ``Inputs`` made once for several fits on the same rows."""
        inputs = x if isinstance(x, Inputs) else Inputs(x)
        y = np.asarray(y, dtype=np.float64)
        w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
        w = w / w.mean()
        mean, std = inputs.mean, inputs.std
        d = len(mean) + 1
        reg = np.full(d, l2 * len(y))
        reg[-1] = 0.0
        damped = reg + 1e-9
        if inputs.wide is not None:
            return cls._fit_wide(inputs.wide, y, w, mean, std, reg, damped)
        z = inputs.narrow()
        beta = np.zeros(d)
        for _ in range(50):  # Newton-Raphson (IRLS); converges in a handful of steps
            p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
            grad = z.T @ (w * (p - y)) + reg * beta
            h = w * p * (1 - p)
            step = np.linalg.solve((z * h[:, None]).T @ z + np.diag(damped), grad)
            beta -= step
            if np.abs(step).max() < 1e-7:
                break
        return cls(mean=mean, std=std, coef=beta[:-1], intercept=float(beta[-1]))

    @classmethod
    def _fit_wide(cls, z: _Standardised, y: np.ndarray, w: np.ndarray, mean: np.ndarray, std: np.ndarray,
                  reg: np.ndarray, damped: np.ndarray) -> Logistic:
        """``fit`` for wide inputs (the feedback and intent models' n-grams): the same Newton steps, each solved by
        conjugate gradients on the standardised inputs without forming them (_Standardised keeps the mostly-zero
        n-gram columns as their non-zero cells)."""
        beta = np.zeros(len(reg))

        def loss(logits: np.ndarray, b: np.ndarray) -> float:
            return float(w @ (np.logaddexp(0.0, logits) - y * logits)) + 0.5 * float(b @ (reg * b))

        logits = z @ beta
        current, first = loss(logits, beta), 0.0
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
            grad = z.rmatvec(w * (p - y)) + reg * beta
            h = w * p * (1 - p)
            # inexact Newton (Eisenstat-Walker): far from the optimum a rough step does as well as an exact one,
            # so the inner solve's tolerance follows the gradient's norm down to CG_TOL; a step that does not
            # lower the loss is halved (a rough step can overshoot)
            norm = float(np.linalg.norm(grad))
            first = first or norm
            tol = min(0.5, max(CG_TOL, (norm / max(first, 1e-300)) ** 0.5))
            step = _conjugate_gradient(z, h, damped, grad, z.squared_sums(h) + damped, tol)
            t = 1.0
            while True:
                candidate = beta - t * step
                candidate_logits = z @ candidate
                lower = loss(candidate_logits, candidate)
                if lower <= current or t < 1e-4:
                    break
                t /= 2
            beta, logits, current = candidate, candidate_logits, lower
            if np.abs(t * step).max() < 1e-7:
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


class Inputs:
    """A fit's rows with their column means and standard deviations, computed once: the one-vs-rest models of one
    set of rows (the feedback categories, areas and sentiments: 24 fits) share them. Wide rows (more than ``WIDE``
    columns) are kept as ``_Standardised``, and a scipy sparse matrix is never made dense: the feedback model's
    rows were ~21k x 13k float64 cells (2.2 GB) made dense, most of them zero n-grams."""

    def __init__(self, x: np.ndarray | sparse.spmatrix) -> None:
        if sparse.issparse(x):
            x = sparse.csc_array(x, dtype=np.float64)
            self.mean = np.asarray(x.mean(axis=0)).ravel()
            squares = np.asarray(x.multiply(x).mean(axis=0)).ravel()
            self.std = np.sqrt(np.maximum(squares - self.mean * self.mean, 0.0))
        else:
            x = np.asarray(x, dtype=np.float64)
            self.mean, self.std = x.mean(0), x.std(0)
        self.std[self.std < 1e-9] = 1.0
        self._x = x
        self.wide = _Standardised(x, self.mean, self.std) if x.shape[1] + 1 > WIDE else None

    def narrow(self) -> np.ndarray:
        """``[(x - mean) / std, 1]`` as an array."""
        x = self._x if isinstance(self._x, np.ndarray) else self._x.toarray()
        return np.hstack([(x - self.mean) / self.std, np.ones((x.shape[0], 1))])


class _Standardised:
    """The matrix ``[(x - mean) / std, 1]`` as products only. Columns that are mostly zero (an n-gram's presence)
    are kept as their non-zero cells, the rest as a dense block: on the fixture KB's feedback models (3701 inputs,
    about one in a hundred of the n-gram cells set) a product costs a tenth of the dense one."""

    SPARSE = 0.05  # a column with at most this share of non-zero cells is kept sparse

    def __init__(self, x: np.ndarray | sparse.csc_array, mean: np.ndarray, std: np.ndarray) -> None:
        self.n, self.d = x.shape
        self.mean, self.std = mean, std
        filled = (x != 0).mean(0) if isinstance(x, np.ndarray) else np.diff(x.indptr) / max(self.n, 1)  # by column
        is_sparse = filled <= self.SPARSE
        self.dense_cols, self.sparse_cols = np.flatnonzero(~is_sparse), np.flatnonzero(is_sparse)
        if not isinstance(x, np.ndarray):
            self.dense = x[:, self.dense_cols].toarray()
            cells = x[:, self.sparse_cols].tocoo()
            self.rows, self.cols, self.values = cells.row, cells.col, cells.data
        else:
            self.dense = x[:, self.dense_cols]
            dense_cells = x[:, self.sparse_cols]
            self.rows, self.cols = np.nonzero(dense_cells)
            self.values = dense_cells[self.rows, self.cols]
        self.squares = self.values * self.values

    def __matmul__(self, beta: np.ndarray) -> np.ndarray:
        b = beta[:-1] / self.std
        out: np.ndarray = self.dense @ b[self.dense_cols]
        out += np.bincount(self.rows, weights=self.values * b[self.sparse_cols][self.cols], minlength=self.n)
        out += beta[-1] - float(self.mean @ b)
        return out

    def rmatvec(self, u: np.ndarray) -> np.ndarray:
        """``zᵀ u``."""
        out = np.empty(self.d + 1)
        raw = np.empty(self.d)
        raw[self.dense_cols] = u @ self.dense
        raw[self.sparse_cols] = np.bincount(self.cols, weights=self.values * u[self.rows],
                                            minlength=len(self.sparse_cols))
        total = float(u.sum())
        out[:-1] = (raw - self.mean * total) / self.std
        out[-1] = total
        return out

    def squared_sums(self, h: np.ndarray) -> np.ndarray:
        """``h @ (z * z)``: Σᵢ hᵢ zᵢⱼ², the Hessian's diagonal without the penalty."""
        x1, x2 = np.empty(self.d), np.empty(self.d)
        x1[self.dense_cols] = h @ self.dense
        x2[self.dense_cols] = h @ (self.dense * self.dense)
        x1[self.sparse_cols] = np.bincount(self.cols, weights=self.values * h[self.rows],
                                           minlength=len(self.sparse_cols))
        x2[self.sparse_cols] = np.bincount(self.cols, weights=self.squares * h[self.rows],
                                           minlength=len(self.sparse_cols))
        total = float(h.sum())
        out = np.empty(self.d + 1)
        out[:-1] = (x2 - 2 * self.mean * x1 + self.mean * self.mean * total) / (self.std * self.std)
        out[-1] = total
        return out


def _conjugate_gradient(z: _Standardised, h: np.ndarray, reg: np.ndarray, grad: np.ndarray, diagonal: np.ndarray,
                        tol: float = CG_TOL) -> np.ndarray:
    """The Newton step ``(zᵀ diag(h) z + diag(reg))⁻¹ grad`` by conjugate gradients preconditioned with the
    diagonal, without forming the Hessian, to ``tol`` of the gradient's norm (Newton's outer loop goes on until
    its step is under 1e-7, so a loose inner solve changes nothing): on the feedback models' 3701 inputs of the
    fixture KB, 0.7 s a fit instead of 10.5 s with the Hessian solved, the same coefficients to 3e-11."""
    step = np.zeros_like(grad)
    residual = grad.copy()
    m = residual / diagonal
    direction = m.copy()
    rm = residual @ m
    stop = tol * max(float(np.linalg.norm(grad)), 1e-30)
    for _ in range(10 * len(grad)):
        hd = z.rmatvec(h * (z @ direction)) + reg * direction
        a = rm / (direction @ hd)
        step += a * direction
        residual -= a * hd
        if np.linalg.norm(residual) <= stop:
            break
        m = residual / diagonal
        rm, previous = residual @ m, rm
        direction = m + (rm / previous) * direction
    return step
