"""Evaluation charts: the precision/coverage curve and the reliability diagram, as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .run import Record


def precision_coverage(records: list[Record]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every confidence cut: precision of answering the top entry above it, and coverage of in-scope."""
    p = np.array([r.confidence for r in records])
    right = np.array([r.top_right for r in records], dtype=float)
    n_in = max(sum(r.in_scope for r in records), 1)
    order = np.argsort(-p)
    cum_right = np.cumsum(right[order])
    precision = cum_right / np.arange(1, len(p) + 1)
    return p[order], precision, cum_right / n_in


def write_plots(records: list[Record], thresholds: dict[str, float], out: Path, title: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    curve = _curve(plt, records, thresholds, out, title)
    reliability = _reliability(plt, records, out, title)
    return [curve, reliability]


def _curve(plt: Any, records: list[Record], thresholds: dict[str, float], out: Path, title: str) -> Path:
    cuts, precision, coverage = precision_coverage(records)
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.plot(coverage, precision, lw=2, label="answer the top entry when confidence >= cut")
    if len(cuts):
        at = int(np.searchsorted(-cuts, -thresholds["answer"], side="right")) - 1
        if at >= 0:
            ax.scatter([coverage[at]], [precision[at]], color="red", zorder=3,
                       label=f"build threshold {thresholds['answer']:.2f}: precision {precision[at]:.3f}, "
                       f"coverage {coverage[at]:.3f}")
    ax.axhline(0.95, color="grey", ls="--", lw=1)
    ax.set(xlabel="coverage (right answers / in-scope questions)", ylabel="precision of answered",
           title=f"Precision / coverage: {title}", ylim=(0.5, 1.01), xlim=(0, 1))
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    curve = out / "precision_coverage.png"
    fig.savefig(curve)
    plt.close(fig)
    return curve


def _reliability(plt: Any, records: list[Record], out: Path, title: str) -> Path:
    p = np.array([r.confidence for r in records])
    right = np.array([r.top_right for r in records], dtype=float)
    bins = np.clip((p * 10).astype(int), 0, 9)
    centers, accuracy, counts = [], [], []
    for b in range(10):
        m = bins == b
        if m.any():
            centers.append(p[m].mean())
            accuracy.append(right[m].mean())
            counts.append(int(m.sum()))
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect calibration")
    ax.plot(centers, accuracy, marker="o", lw=2, label="observed accuracy of the top entry")
    for x, y, n in zip(centers, accuracy, counts, strict=True):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -12), fontsize=7)
    ax.set(xlabel="confidence", ylabel="share right", title=f"Reliability: {title}", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    reliability = out / "reliability.png"
    fig.savefig(reliability)
    plt.close(fig)
    return reliability
