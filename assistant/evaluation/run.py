"""Evaluation on labelled questions: ranking quality, decision quality, calibration and latency."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import index as index_mod
from ..build import IndexBuilder, TuneConfig
from ..build.calibrate import expected_calibration_error
from ..config import Settings
from ..engine import Assistant, Embedder
from ..errors import AssistantError
from ..kb import kb_checksum, load_kb


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    expected: str | None
    source: str


def load_queries(paths: list[Path]) -> list[LabelledQuery]:
    out = []
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise AssistantError(f"{path}: cannot read ({exc.strerror})") from exc
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                out.append(LabelledQuery(str(item["query"]), item.get("expected"), f"{path}:{n}"))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise AssistantError(f"{path}:{n}: expected {{\"query\": ..., \"expected\": id or null}}") from exc
    return out


def cached_index(kb_path: Path, settings: Settings, embedder: Embedder, progress: bool = True,
                 tune: TuneConfig | None = None) -> Path:
    """An index for this KB under the cache folder, rebuilt only when the KB checksum or model changes (or the
    fine-tuning asked for: tuned indexes are kept apart, by epochs)."""
    sha = kb_checksum(kb_path)
    root = settings.cache_dir / "eval" / f"{sha[:16]}-{embedder.name}{f'-tuned{tune.epochs:g}' if tune else ''}"
    if not index_mod.up_to_date(root, sha, embedder.name):
        kb = load_kb(kb_path, settings.teams)
        # evaluation measures a KB as it is: the self-test floor guards the shipped KB's builds, not this one
        lenient = settings.model_copy(update={"selftest_floor": 0.0})
        IndexBuilder(lenient, embedder, progress=progress).build(kb, root, tune=tune)
    current = index_mod.current(root)
    assert current is not None
    return current


@dataclass(frozen=True)
class Record:
    """One asked question: its label, the decision, and where the gold entry ranked (0: not ranked)."""

    expected: str | None
    decision: str
    answered_id: str | None
    rank: int
    confidence: float
    clarify_hit: bool | None
    latency_ms: float

    @property
    def top_right(self) -> bool:
        return self.rank == 1


def run_queries(assistant: Assistant, queries: list[LabelledQuery], progress: bool = False) -> list[Record]:
    ids = {e.id for e in assistant.data.entries}
    unknown = sorted({q.expected for q in queries if q.expected is not None and q.expected not in ids})
    if unknown:
        raise AssistantError(f"expected ids not in the KB: {', '.join(unknown[:5])}")
    records = []
    for q in tqdm(queries, desc="asking", unit="q", disable=not progress, leave=False):
        t0 = time.perf_counter()
        reply, ranking = assistant.ask_ranked(q.query)
        latency = (time.perf_counter() - t0) * 1e3
        ranked = [assistant.data.entries[int(e)].id for e in ranking.entries]
        hit = None
        if reply.decision == "clarify" and q.expected is not None:
            hit = any(a.id == q.expected for a in reply.alternatives)
        records.append(Record(
            expected=q.expected, decision=reply.decision, answered_id=reply.answer.id if reply.answer else None,
            rank=ranked.index(q.expected) + 1 if q.expected in ranked else 0, confidence=reply.confidence,
            clarify_hit=hit, latency_ms=latency,
        ))
    return records


def summarise(records: list[Record], thresholds: dict[str, float]) -> dict[str, Any]:
    inscope = np.array([r.expected is not None for r in records], dtype=bool)
    rank = np.array([r.rank for r in records])[inscope]
    ans = np.array([r.decision == "answer" for r in records], dtype=bool)
    cor = np.array([r.decision == "answer" and r.answered_id == r.expected for r in records], dtype=bool)
    lat = np.array([r.latency_ms for r in records])
    p = np.array([r.confidence for r in records])
    y = np.array([r.top_right for r in records], dtype=float)
    hits = np.array([r.clarify_hit for r in records if r.clarify_hit is not None], dtype=bool)

    def share(x: np.ndarray) -> float:
        return round(float(x.mean()), 4) if x.size else 0.0

    return {
        "queries": len(records),
        "in_scope": int(inscope.sum()),
        "out_of_scope": int((~inscope).sum()),
        "top1": share(rank == 1),
        "mrr": share(np.where(rank > 0, 1.0 / np.maximum(rank, 1), 0.0)),
        "recall@3": share((rank > 0) & (rank <= 3)),
        "recall@5": share((rank > 0) & (rank <= 5)),
        "answered": share(ans),
        "answered_precision": round(float(cor.sum() / ans.sum()), 4) if ans.any() else 0.0,
        "coverage": share(cor[inscope]),
        "clarify_hit": share(hits),
        "oos_not_answered": share(~ans[~inscope]),
        "ece": round(expected_calibration_error(p, y), 4),
        "thresholds": {k: round(v, 4) for k, v in thresholds.items()},
        "latency_ms": {f"p{q}": round(float(np.percentile(lat, q)), 2) for q in (50, 95, 99)} if lat.size else {},
    }


def evaluate(assistant: Assistant, queries: list[LabelledQuery]) -> dict[str, Any]:
    return summarise(run_queries(assistant, queries), assistant.thresholds.to_dict())
