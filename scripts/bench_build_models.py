"""Times the build's slowest stage, the intent, emotion and feedback models, on a KB folder (the shipped KB by
default): the labelled messages' vectors come from the build's store in FAQ_CACHE_DIR/vectors (encoded and kept on
the first run), so what is timed is the fitting alone. Prints the seconds of each part and of the wide (n-gram)
logistic fits, and with `--out` writes the fitted feedback models' coefficients to compare two versions of the
code (`--against` an earlier file: the largest coefficient difference).

    python scripts/bench_build_models.py [--kb kb] [--out /tmp/models.npz] [--against /tmp/before.npz]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.build.builder import _EncodeOnce, vector_store
from assistant.build.feedback import fit_feedback_models
from assistant.build.intents import fit_intent_models
from assistant.config import Settings
from assistant.engine import logistic
from assistant.engine.embed import load_embedder
from assistant.engine.query import QueryPreparer
from assistant.index import KbText
from assistant.kb import load_kb
from assistant.text import JiebaSegmenter, Normalizer


def coefficients(models: dict[str, Any], prefix: str = "") -> dict[str, np.ndarray]:
    """Every fitted logistic's coefficients by its path in the models' dict."""
    out: dict[str, np.ndarray] = {}
    for key, value in models.items():
        if isinstance(value, dict) and "coef" in value:
            out[f"{prefix}{key}"] = np.asarray(value["coef"])
        elif isinstance(value, dict):
            out.update(coefficients(value, f"{prefix}{key}/"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, default=Path("kb"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--against", type=Path)
    args = ap.parse_args()
    settings = Settings()
    embedder = load_embedder(settings)
    kb = load_kb(args.kb, settings.teams)
    normalizer = Normalizer()
    segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
    text = KbText.read(kb, normalizer, segmenter)
    questions = list(text.texts)
    read = QueryPreparer(normalizer, segmenter, text.pinyin.table, text.pinyin.common)
    encode = _EncodeOnce(embedder.encode, vector_store(settings.cache_dir, embedder))
    started = time.perf_counter()
    raw = encode(questions)
    encoded = time.perf_counter() - started

    wide = {"fits": 0, "seconds": 0.0}
    fit_wide = logistic.Logistic._fit_wide.__func__  # type: ignore[attr-defined]

    def timed(cls: type, *a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return fit_wide(cls, *a, **k)
        finally:
            wide["fits"] += 1
            wide["seconds"] += time.perf_counter() - t

    logistic.Logistic._fit_wide = classmethod(timed)  # type: ignore[method-assign, assignment]
    t0 = time.perf_counter()
    intents = fit_intent_models(kb, questions, raw, encode, lambda t: read.prepare(t).norm)
    t1 = time.perf_counter()
    feedback = fit_feedback_models(kb, questions, raw, encode, read.prepare)
    t2 = time.perf_counter()
    print(f"KB {args.kb}: {len(questions)} questions, {len(kb.intent_examples)} intent examples")
    print(f"the KB's questions encoded or read in {encoded:.1f} s")
    print(f"intent and emotion models {t1 - t0:.1f} s; feedback models {t2 - t1:.1f} s; "
          f"of which {wide['fits']} wide logistic fits {wide['seconds']:.1f} s")
    found = coefficients({"intents": intents, "feedback": feedback})
    if args.out:
        np.savez(args.out, **found)
    if args.against:
        before = np.load(args.against)
        worst = max((float(np.abs(before[k] - v).max()) for k, v in found.items() if k in before), default=0.0)
        print(f"largest coefficient difference from {args.against}: {worst:.3g} ({len(found)} models)")


if __name__ == "__main__":
    main()
