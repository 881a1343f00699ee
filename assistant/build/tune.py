"""Opt-in domain fine-tuning of the embedding model on the KB's own questions (`assistant build --tune`).

Each step takes one pair of questions from each of a batch of entries and pulls the pair together while pushing
it away from the other entries' questions (in-batch negatives, symmetric cross-entropy: the
MultipleNegativesRankingLoss of sentence-transformers, written out so that no trainer dependencies are needed).
The tuned model is saved as an ordinary sentence-transformers folder inside the index version, so the index and
the model that made its vectors travel together.

Questions in ``holdout`` are never trained on: the build calibrates confidence on them, so a tuned model is
judged on questions it has not seen, as it will be in service.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .adapter import entry_groups


@dataclass(frozen=True)
class TuneConfig:
    epochs: float = 1.0  # one epoch: every training question is an anchor once
    batch_entries: int = 32
    learning_rate: float = 2e-5
    warmup: float = 0.1  # share of the steps with a linear warm-up
    temperature: float = 0.05
    max_length: int = 64
    seed: int = 13


def fine_tune(model_dir: str, texts: list[str], owner: np.ndarray, out: Path, holdout: np.ndarray | None = None,
              cfg: TuneConfig | None = None, device: str = "cpu", progress: bool = True) -> dict[str, Any]:
    """Fine-tune the sentence-transformers model in ``model_dir`` and save it to ``out``; returns a summary."""
    import torch
    from sentence_transformers import SentenceTransformer

    cfg = cfg or TuneConfig()
    started = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train = np.ones(len(owner), dtype=bool) if holdout is None else ~holdout
    groups = entry_groups(owner, train)
    if len(groups) < 2:
        raise ValueError("fine-tuning needs at least two entries with two trainable questions each")
    model = SentenceTransformer(model_dir, device=device, local_files_only=True)
    model.max_seq_length = cfg.max_length
    batch = min(cfg.batch_entries, len(groups))
    steps = max(1, math.ceil(cfg.epochs * int(train.sum()) / batch))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate)
    warm = max(1, int(cfg.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    model.train()
    losses = []
    for _ in tqdm(range(steps), desc="fine-tuning", unit="step", disable=not progress, leave=False):
        chosen = rng.choice(len(groups), batch, replace=False)
        pairs = [rng.choice(groups[g], 2, replace=False) for g in chosen]
        a = _embed(model, [texts[p[0]] for p in pairs], device)
        b = _embed(model, [texts[p[1]] for p in pairs], device)
        logits = a @ b.T / cfg.temperature
        target = torch.arange(len(pairs), device=logits.device)
        loss = (torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)) / 2
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    tail = losses[-max(1, len(losses) // 10):]
    return {"steps": steps, "epochs": cfg.epochs, "trained_questions": int(train.sum()),
            "loss_first": round(losses[0], 4), "loss_last": round(float(np.mean(tail)), 4),
            "seconds": round(time.perf_counter() - started, 1)}


def _embed(model: Any, texts: list[str], device: str) -> Any:
    import torch

    prepare = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers 6 renamed it
    features = prepare(texts)
    features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
    vectors = model(features)["sentence_embedding"]
    return torch.nn.functional.normalize(vectors, dim=1)
