"""Evaluation on labelled questions: ranking quality, decision quality, calibration and latency."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import index as index_mod
from ..build import IndexBuilder, TuneConfig
from ..build.calibrate import expected_calibration_error
from ..build.reuse import reusable_version
from ..config import Settings
from ..engine import Assistant, Embedder
from ..errors import AssistantError
from ..kb import LabelledQuestion, kb_checksum, load_kb, read_labelled

LENIENT = ("selftest_floor",)  # build settings an evaluation does not mind


def load_queries(paths: list[Path]) -> list[LabelledQuestion]:
    """Labelled questions from JSON Lines files: ``expected`` is an entry id, a list of every entry that answers
    the question, or null (no entry does: out of scope)."""
    problems: list[str] = []
    out = [q for path in paths for q in read_labelled(Path(path), problems)]
    if problems:
        raise AssistantError("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5
                                                         else ""))
    return out


def cached_index(kb_path: Path, settings: Settings, embedder: Embedder, progress: bool = True,
                 tune: TuneConfig | None = None) -> Path:
    """An index for this KB under the cache folder, rebuilt only when the KB checksum or model changes (or the
    fine-tuning asked for: tuned indexes are kept apart, by epochs). A version the service's index folder keeps,
    built from this KB with the same model and build settings (`make index`, then `make eval`), is taken into the
    cache instead of building it again."""
    sha = kb_checksum(kb_path)
    # another build seed (FAQ_SEED) is another index: scripts/int8_quality.py compares runtimes over seeds
    seeded = f"-seed{settings.seed}" if settings.seed != Settings.model_fields["seed"].default else ""
    tuned = f"-tuned{tune.epochs:g}" if tune else ""
    root = settings.cache_dir / "eval" / f"{sha[:16]}-{embedder.name}{tuned}{seeded}"
    # evaluation measures a KB as it is: the self-test floor guards the shipped KB's builds, not this one
    lenient = settings.model_copy(update={"selftest_floor": 0.0})
    if not _cached(root, sha, embedder.name, lenient, tune):
        served = None if tune else reusable_version(settings.index_dir, sha, embedder.name, lenient, ignore=LENIENT)
        if served is not None:
            adopt(served, root)
        else:
            kb = load_kb(kb_path, settings.teams)
            IndexBuilder(lenient, embedder, progress=progress).build(kb, root, tune=tune)
    current = index_mod.current(root)
    assert current is not None
    return current


def _cached(root: Path, sha: str, model: str, settings: Settings, tune: TuneConfig | None) -> bool:
    """Whether the cache's current index is this KB's with this model and, but for a fine-tuned one, these build
    settings (another FAQ_TUNE_SHARE or target precision is another index)."""
    if not index_mod.up_to_date(root, sha, model):
        return False
    return tune is not None or reusable_version(root, sha, model, settings, ignore=LENIENT) == index_mod.current(root)


def adopt(version: Path, root: Path) -> None:
    """Publish a copy of a built version under ``root`` (hard links where the disk allows: a version's files are
    never written again once it is in place)."""
    target = root / "versions" / version.name
    if not target.exists():
        tmp = root / "versions" / f".tmp-{version.name}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copytree(version, tmp, copy_function=os.link)
        except OSError:  # another file system
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(version, tmp)
        os.rename(tmp, target)
    index_mod.publish(root, target)


@dataclass(frozen=True)
class Record:
    """One asked question: its label (every entry that answers it; none: out of scope), the decision, and where
    the best-ranked of the expected entries ranked (0: not ranked)."""

    expected: tuple[str, ...]
    decision: str
    answered_id: str | None
    rank: int
    confidence: float
    clarify_hit: bool | None
    latency_ms: float
    by_rule: bool = False  # handed off by a rule (a request for a person, safety words), whatever the score

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)

    @property
    def top_right(self) -> bool:
        return self.rank == 1

    @property
    def answered_right(self) -> bool:
        return self.decision == "answer" and self.answered_id in self.expected

    @property
    def guided_right(self) -> bool:
        """Handed to the safety team with the right entry's steps shown for the wait (not counted as answered)."""
        return self.decision == "handoff" and self.answered_id in self.expected


def run_queries(assistant: Assistant, queries: list[LabelledQuestion], progress: bool = False) -> list[Record]:
    ids = {e.id for e in assistant.data.entries}
    unknown = sorted({e for q in queries for e in q.expected if e not in ids})
    if unknown:
        raise AssistantError(f"expected ids not in the KB: {', '.join(unknown[:5])}")
    records = []
    for q in tqdm(queries, desc="asking", unit="q", disable=not progress, leave=False):
        t0 = time.perf_counter()
        reply, ranking = assistant.ask_ranked(q.query)
        latency = (time.perf_counter() - t0) * 1e3
        ranked = [assistant.data.entries[int(e)].id for e in ranking.entries]
        hit = None
        if reply.decision == "clarify" and q.in_scope:
            hit = any(a.id in q.expected for a in reply.alternatives)
        records.append(Record(
            expected=q.expected, decision=reply.decision, answered_id=reply.answer.id if reply.answer else None,
            rank=first_rank(ranked, q.expected), confidence=reply.confidence, clarify_hit=hit, latency_ms=latency,
            by_rule=reply.intent != "question",  # handed to a person, or small talk, by what the message is
        ))
    return records


def lost(queries: list[LabelledQuestion], records: list[Record]) -> list[str]:
    """One line for each question not answered right: in scope and not answered with an expected entry, or out
    of scope and answered (read the errors of tune data only: a report part's errors are not read)."""
    out = []
    for q, r in zip(queries, records, strict=True):
        if r.answered_right or not r.in_scope and r.decision != "answer":
            continue
        got = f"{r.decision} {r.answered_id}" if r.decision == "answer" else r.decision
        where = f"first at {r.rank}" if r.rank else "not ranked"
        wanted = f"{'/'.join(q.expected)} {where}" if q.in_scope else "no entry"
        out.append(f"{q.query} -> {got} ({r.confidence:.2f}); expected {wanted}")
    return out


def first_rank(ranked: list[str], expected: tuple[str, ...]) -> int:
    """1-based position of the first expected id in a ranking, 0 when none is there."""
    return next((n for n, e in enumerate(ranked, 1) if e in expected), 0)


def summarise(records: list[Record], thresholds: dict[str, float]) -> dict[str, Any]:
    inscope = np.array([r.in_scope for r in records], dtype=bool)
    rank = np.array([r.rank for r in records])[inscope]
    ans = np.array([r.decision == "answer" for r in records], dtype=bool)
    cor = np.array([r.answered_right for r in records], dtype=bool)
    lat = np.array([r.latency_ms for r in records])
    p = np.array([r.confidence for r in records])
    y = np.array([r.top_right for r in records], dtype=float)
    hits = np.array([r.clarify_hit for r in records if r.clarify_hit is not None], dtype=bool)
    # in scope, the right entry first, and still handed off (by the confidence, not by a rule)
    shy = np.array([r.in_scope and r.top_right and r.decision == "handoff" and not r.by_rule for r in records])

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
        # ...and the in-scope questions handed to the safety team with the right entry's steps under the message
        "handed_off_with_the_right_steps": share(np.array([r.guided_right for r in records], dtype=bool)[inscope]),
        "clarify_hit": share(hits),
        "oos_not_answered": share(~ans[~inscope]),
        "handoff_right_first": share(shy[inscope]),
        "ece": round(expected_calibration_error(p, y), 4),
        "thresholds": {k: round(v, 4) for k, v in thresholds.items()},
        "latency_ms": {f"p{q}": round(float(np.percentile(lat, q)), 2) for q in (50, 95, 99)} if lat.size else {},
    }


def coverage_at(records: list[Record], precision: float) -> tuple[float, float]:
    """The best coverage (and its threshold) with answered precision at least `precision`, one threshold over the
    records' confidences: a figure that does not depend on the thresholds each build picked, so that two KBs can be
    compared at the same precision. The answers, and the clarifications and handoffs the confidence made, are moved
    (not what an intent took whatever the score: a person, small talk, feedback); the first candidate is what would
    be answered."""
    movable = sorted((r for r in records if r.decision == "answer"
                      or r.decision in ("clarify", "handoff") and not r.by_rule), key=lambda r: -r.confidence)
    in_scope = sum(r.in_scope for r in records)
    best = (0.0, 1.0)
    right = 0
    for answered, r in enumerate(movable, start=1):
        right += r.in_scope and r.top_right
        tied = answered < len(movable) and movable[answered].confidence == r.confidence
        if not tied and in_scope and right / answered >= precision:
            best = max(best, (right / in_scope, r.confidence))
    return round(best[0], 4), round(best[1], 4)


def evaluate(assistant: Assistant, queries: list[LabelledQuestion]) -> dict[str, Any]:
    return summarise(run_queries(assistant, queries), assistant.thresholds.to_dict())
