"""A linear adapter on top of the frozen embedding model, learned from the KB's own similar questions.

Questions of one entry are pulled together and apart from other entries' questions (in-batch contrastive
loss). It trains in seconds on CPU at build time, needs no second copy of the model, and on ths_faq lifts
dense top-1 more than a full epoch of fine-tuning the model. The number of steps is chosen by early stopping
on one held-out question per entry, never on evaluation data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.embed import apply_adapter


@dataclass(frozen=True)
class AdapterConfig:
    max_steps: int = 600
    check_every: int = 50
    batch_entries: int = 128
    temperature: float = 0.1
    learning_rate: float = 1e-3
    seed: int = 13
    max_val: int = 1000  # held-out questions for early stopping; more only slows 100k-question builds
    patience: int = 4  # checks without a better held-out score before training stops


def entry_groups(owner: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """Question indices of each entry (ascending, within ``mask``), for entries with at least two."""
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(owner[idx], kind="stable")]
    counts = np.bincount(owner[idx], minlength=int(owner.max()) + 1)
    groups = np.split(idx, np.cumsum(counts)[:-1])
    return [g for g in groups if len(g) >= 2]


@contextmanager
def one_torch_thread() -> Iterator[Any]:
    """Torch on one thread for the adapter's small steps (256 x 512 by 512 x 512): its thread pool turns them ten
    times slower when the cores are busy, which they are whenever a KB is rebuilt beside the running service.
    Nested use (``fit_early_stopped``'s threads) leaves the setting alone: changing it from several threads would
    race."""
    import torch  # only needed at build time

    threads = torch.get_num_threads()
    if threads == 1:
        yield torch
        return
    torch.set_num_threads(1)
    try:
        yield torch
    finally:
        torch.set_num_threads(threads)


def train(vectors: np.ndarray, groups: list[np.ndarray], steps: int, cfg: AdapterConfig,
           on_check: object = None) -> np.ndarray:
    with one_torch_thread() as torch:
        return _steps(torch, vectors, groups, steps, cfg, on_check)


def _steps(torch: Any, vectors: np.ndarray, groups: list[np.ndarray], steps: int, cfg: AdapterConfig,
           on_check: object) -> np.ndarray:
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    sizes = np.array([len(g) for g in groups])
    flat = np.concatenate(groups)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    dim = x.shape[1]
    w = torch.nn.Parameter(torch.eye(dim))
    opt = torch.optim.Adam([w], lr=cfg.learning_rate)
    batch = min(cfg.batch_entries, len(groups))
    target = torch.arange(batch)
    for step in range(1, steps + 1):
        chosen = rng.choice(len(groups), batch, replace=False)
        n = sizes[chosen]
        first = rng.integers(0, n)
        second = (first + 1 + rng.integers(0, n - 1)) % n  # another question of the same entry
        a = torch.nn.functional.normalize(x[torch.from_numpy(flat[starts[chosen] + first])] @ w, dim=1)
        b = torch.nn.functional.normalize(x[torch.from_numpy(flat[starts[chosen] + second])] @ w, dim=1)
        logits = a @ b.T / cfg.temperature
        loss = (torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        if callable(on_check) and step % cfg.check_every == 0 and not on_check(step, w.detach().numpy().copy()):
            break
    out: np.ndarray = w.detach().numpy().copy()
    return out


def _val_top1(matrix: np.ndarray, vectors: np.ndarray, owner: np.ndarray, val: np.ndarray,
              chunk: int = 2048) -> float:
    """Nearest-question top-1 of the held-out questions; in chunks of queries, so that a 100k-question KB does
    not need its whole (held-out x kept) similarity matrix (5 GB) at once."""
    keys = np.setdiff1d(np.arange(len(owner)), val)
    kv, qv = apply_adapter(matrix, vectors[keys]), apply_adapter(matrix, vectors[val])
    best = np.concatenate([np.argmax(qv[i : i + chunk] @ kv.T, axis=1) for i in range(0, len(qv), chunk)])
    return float(np.mean(owner[keys][best] == owner[val]))


def _validation_split(owner: np.ndarray, cfg: AdapterConfig) -> np.ndarray | None:
    """One held-out question per entry with three or more (at most ``max_val``), or None when too few."""
    rng = np.random.default_rng(cfg.seed)
    val = [int(rng.choice(g)) for g in entry_groups(owner, np.ones(len(owner), dtype=bool)) if len(g) >= 3]
    if len(val) > cfg.max_val:
        val = rng.choice(val, cfg.max_val, replace=False).tolist()
    return np.array(sorted(val)) if len(val) >= 8 else None


class _EarlyStopping:
    """The validation run (one question per entry held out) and the adapters waiting for its step count."""

    def __init__(self, vectors: np.ndarray, owner: np.ndarray, val: np.ndarray, cfg: AdapterConfig) -> None:
        import threading

        self.vectors, self.owner, self.val, self.cfg = vectors, owner, val, cfg
        self.fit_mask = np.ones(len(owner), dtype=bool)
        self.fit_mask[val] = False
        identity = np.eye(vectors.shape[1], dtype=np.float32)
        self.history: list[tuple[float, int]] = [(_val_top1(identity, vectors, owner, val), 0)]
        self.decided = threading.Event()
        self.chosen = 0

    def best(self) -> tuple[float, int]:
        return max(self.history, key=lambda h: (h[0], -h[1]))

    def validate(self) -> None:
        def check(step: int, w: np.ndarray) -> bool:
            self.history.append((_val_top1(w, self.vectors, self.owner, self.val), step))
            return len(self.history) - 1 - self.history.index(self.best()) < self.cfg.patience  # go on?

        try:
            train(self.vectors, entry_groups(self.owner, self.fit_mask), self.cfg.max_steps, self.cfg, check)
            self.chosen = self.best()[1]
        finally:
            self.decided.set()

    def adapter(self, mask: np.ndarray | None) -> np.ndarray | None:
        owner = self.owner
        groups = entry_groups(owner, np.ones(len(owner), dtype=bool) if mask is None else mask)
        if len(groups) < 2 or (self.decided.is_set() and self.chosen == 0):
            self.decided.wait()
            return None
        kept: dict[int, np.ndarray] = {}

        def check(step: int, w: np.ndarray) -> bool:
            known = self.decided.is_set()
            if not known or step == self.chosen:  # while the count is unknown, any check may be the one
                kept[step] = w
            return not known or step < self.chosen

        train(self.vectors, groups, self.cfg.max_steps, self.cfg, check)
        self.decided.wait()
        return kept[self.chosen].astype(np.float32) if self.chosen > 0 else None


def fit_early_stopped(vectors: np.ndarray, owner: np.ndarray, masks: list[np.ndarray | None],
                      cfg: AdapterConfig | None = None) -> tuple[dict[str, float], list[np.ndarray | None]]:
    """Early stopping and the adapters it is for (one per training mask, None for all questions), trained side by
    side, one thread per core; each trains on one torch thread and torch releases the GIL inside its operations.

    A validation run, with one question per entry held out, picks the step count with the best held-out top-1.
    The adapters start beside it before that count is known: until it is, they keep a copy of their weights at
    every check and hand back the copy at the chosen step. The result is what training each adapter for that many
    steps gives (tested), without first waiting for the validation run alone."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    cfg = cfg or AdapterConfig()
    val = _validation_split(owner, cfg)
    if val is None:
        return {"steps": 0}, [None] * len(masks)
    run = _EarlyStopping(vectors, owner, val, cfg)
    with one_torch_thread(), ThreadPoolExecutor(max_workers=max(1, min(len(masks) + 1, os.cpu_count() or 1))) as pool:
        runs = [pool.submit(run.validate)] + [pool.submit(run.adapter, m) for m in masks]
        runs[0].result()
        matrices = [r.result() for r in runs[1:]]
    score, steps = run.best()
    return {"steps": steps, "val_top1": score, "val_top1_before": run.history[0][0]}, matrices
