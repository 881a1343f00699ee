"""What `assistant build` says about a build: times, self-test, thresholds, the calibration fallback, and a
warning for each new entry that overlaps another (its questions mostly retrieve the other entry first)."""

from __future__ import annotations

import json
from pathlib import Path

from .builder import BuildResult


def entry_ids(version: Path | None) -> set[str] | None:
    """The entry ids of a published version (None when there is none, or it cannot be read)."""
    if version is None:
        return None
    try:
        return {str(e["id"]) for e in json.loads((version / "entries.json").read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_report(result: BuildResult, root: Path, before: set[str] | None = None) -> list[str]:
    """The lines to print; ``before``: the entry ids of the version published until now (an entry not among
    them is new; without a previous version every entry is)."""
    m = result.manifest
    conf, st = m.calibration, m.selftest
    assert st is not None
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.stages.items())
    out = [f"built {result.version} in {result.seconds:.1f}s ({m.faiss} index; {stages})"]
    if m.model.tuned is not None:
        t = m.model.tuned
        out.append(f"fine-tuned {m.model.base}: {t['steps']} steps on {t['trained_questions']} questions in "
                   f"{t['seconds']}s, loss {t['loss_first']} -> {t['loss_last']}; the model is in the version")
    out.append(f"self-test: top-1 {st.top1:.3f}, recall@3 {st.recall_at_3:.3f} over {st.queries} held-out "
               f"KB questions; entries with a miss: {len(st.failed_entries)}")
    th = conf.thresholds
    out.append(f"thresholds: answer {th['answer']:.3f} (sensitive {th['answer_sensitive']:.3f}), clarify "
               f"{th['clarify']:.3f}; held-out precision {conf.held_out['answered_precision']:.3f}, coverage "
               f"{conf.held_out['coverage']:.3f}")
    if conf.fallback != "none":
        out.append(f"calibration fallback: {conf.fallback} ({conf.examples.get('entries_without_similar', 0)} "
                   "entries without similar questions; add some, or users' questions in tune/, to calibrate better)")
    for o in st.overlaps:
        if before is None or o.entry not in before:
            out.append(f"warning: new entry {o.entry} overlaps entry {o.other}: {o.retrieved} of its {o.asked} "
                       f"questions asked retrieve {o.other} first; merge them, or tell them apart in their questions")
    out.append(f"published: {root / 'current'} -> {result.version.name if result.version else '?'}")
    return out
