"""int8 against fp32 on ths_faq dev with chitchat: the gate for `onnx-int8` as the default runtime.

    python scripts/int8_quality.py [--seeds 13 14 15] [--precision 0.951] [--out reports/int8_quality.json]

Each runtime builds its own index of the ths_faq KB once per build seed (FAQ_SEED; cached under
FAQ_CACHE_DIR/eval, as `assistant eval` does) and answers the same questions. Beside `assistant eval`'s figures at
each build's own thresholds, coverage is read off each precision/coverage curve at one answered precision. The
build's seed moves the figures about as much as the runtime does (fp32 coverage 0.518-0.547 over seeds 13-15), so
the runtimes are compared by their means over several seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
sys.path.insert(0, str(ROOT))


def coverage_at(records: list[Any], precision: float) -> float:
    """The most coverage any confidence cut gives with answered precision >= ``precision``."""
    from assistant.evaluation.plots import precision_coverage

    _, prec, cov = precision_coverage(records)
    ok = prec >= precision
    return round(float(cov[ok].max()), 4) if ok.any() else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "int8_quality.json")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13],
                        help="build seeds (FAQ_SEED); each runtime is built once per seed and the means compared")
    parser.add_argument("--precision", type=float, default=0.951,
                        help="the answered precision coverage is read at (today's fp32 figure)")
    args = parser.parse_args()
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    from assistant.config import Settings
    from assistant.engine import Assistant
    from assistant.engine.embed import load_embedder
    from assistant.evaluation.run import cached_index, load_queries, run_queries, summarise

    queries = load_queries([SHARED / "ths_faq" / "dev.jsonl", SHARED / "chitchat" / "dev.jsonl"])
    kb = SHARED / "ths_faq" / "kb.jsonl"
    results: dict[str, list[dict[str, Any]]] = {}
    for runtime in ("onnx", "onnx-int8"):
        embedder = load_embedder(Settings(runtime=runtime))  # type: ignore[arg-type]
        for seed in args.seeds:
            settings = Settings(runtime=runtime, seed=seed)  # type: ignore[arg-type]
            assistant = Assistant.from_index(cached_index(kb, settings, embedder, progress=False), settings, embedder)
            records = run_queries(assistant, queries)
            found = summarise(records, assistant.thresholds.to_dict())
            found["seed"] = seed
            found["coverage_at_precision"] = coverage_at(records, args.precision)
            results.setdefault(runtime, []).append(found)
            print(runtime, json.dumps(found), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seeds": args.seeds, "precision": args.precision, "runs": results}, indent=1),
                        encoding="utf-8")
    keys = ("top1", "coverage", "answered_precision", "coverage_at_precision")
    print(f"\n| runtime | seed | top-1 | coverage (own threshold) | answered precision | coverage at precision "
          f"{args.precision} |")
    print("|---|---|---|---|---|---|")
    means = {}
    for runtime, runs in results.items():
        for r in runs:
            print(f"| {runtime} | {r['seed']} | " + " | ".join(str(r[k]) for k in keys) + " |")
        means[runtime] = {k: float(np.mean([r[k] for r in runs])) for k in keys}
        print(f"| {runtime} | mean | " + " | ".join(f"{means[runtime][k]:.4f}" for k in keys) + " |")
    d = {k: round(100 * (means["onnx-int8"][k] - means["onnx"][k]), 2) for k in keys}
    print(f"\nint8 - fp32 (means over seeds {args.seeds}), points: {d}")


if __name__ == "__main__":
    main()
