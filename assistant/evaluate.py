"""Evaluation on labelled questions: ranking quality, decision quality, calibration and latency."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import index as index_mod
from .builder import IndexBuilder
from .confidence import expected_calibration_error
from .config import Settings
from .embed import Embedder
from .errors import AssistantError
from .kb import kb_checksum, load_kb
from .pipeline import Assistant


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


def cached_index(kb_path: Path, settings: Settings, embedder: Embedder, progress: bool = True) -> Path:
    """An index for this KB under the cache folder, rebuilt only when the KB checksum or model changes."""
    key = f"{kb_checksum(kb_path)[:16]}-{embedder.name}"
    root = settings.cache_dir / "eval" / key
    if index_mod.current(root) is None:
        kb = load_kb(kb_path, settings.teams)
        # evaluation measures a KB as it is: the self-test floor guards the shipped KB's builds, not this one
        lenient = settings.model_copy(update={"selftest_floor": 0.0})
        IndexBuilder(lenient, embedder, progress=progress).build(kb, root)
    current = index_mod.current(root)
    assert current is not None
    return current


def evaluate(assistant: Assistant, queries: list[LabelledQuery]) -> dict[str, Any]:
    ids = {e.id for e in assistant.data.entries}
    unknown = sorted({q.expected for q in queries if q.expected is not None and q.expected not in ids})
    if unknown:
        raise AssistantError(f"expected ids not in the KB: {', '.join(unknown[:5])}")
    ranks, answered, correct, confidences, clarify_hits, latencies = [], [], [], [], [], []
    for q in queries:
        t0 = time.perf_counter()
        reply, ranking = assistant.ask_ranked(q.query)
        latencies.append((time.perf_counter() - t0) * 1e3)
        ranked = [assistant.data.entries[int(e)].id for e in ranking.entries]
        ranks.append(ranked.index(q.expected) + 1 if q.expected in ranked else 0)
        is_answer = reply.decision == "answer"
        answered.append(is_answer)
        correct.append(is_answer and reply.answer is not None and reply.answer.id == q.expected)
        top_right = bool(ranked) and ranked[0] == q.expected
        confidences.append((reply.confidence, top_right))
        if reply.decision == "clarify" and q.expected is not None:
            clarify_hits.append(any(a.id == q.expected for a in reply.alternatives))
    inscope = np.array([q.expected is not None for q in queries])
    r = np.array(ranks)[inscope]
    ans, cor = np.array(answered), np.array(correct)
    lat = np.array(latencies)
    p = np.array([c[0] for c in confidences])
    y = np.array([c[1] for c in confidences], dtype=float)

    def share(x: np.ndarray) -> float:
        return round(float(x.mean()), 4) if x.size else 0.0

    return {
        "queries": len(queries),
        "in_scope": int(inscope.sum()),
        "out_of_scope": int((~inscope).sum()),
        "top1": share(r == 1),
        "mrr": share(np.where(r > 0, 1.0 / np.maximum(r, 1), 0.0)),
        "recall@3": share((r > 0) & (r <= 3)),
        "recall@5": share((r > 0) & (r <= 5)),
        "answered": share(ans),
        "answered_precision": round(float(cor.sum() / ans.sum()), 4) if ans.any() else 0.0,
        "coverage": share(cor[inscope]),
        "clarify_hit": share(np.array(clarify_hits)),
        "oos_not_answered": share(~ans[~inscope]),
        "ece": round(expected_calibration_error(p, y), 4),
        "thresholds": {k: round(v, 4) for k, v in assistant.thresholds.to_dict().items()},
        "latency_ms": {f"p{q}": round(float(np.percentile(lat, q)), 2) for q in (50, 95, 99)} if lat.size else {},
    }
