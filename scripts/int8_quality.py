"""int8 against fp32 on ths_faq dev with chitchat: the gate for `onnx-int8` as the default runtime.

    python scripts/int8_quality.py [--out reports/int8_quality.json]

Each runtime builds its own index of the ths_faq KB (cached under FAQ_CACHE_DIR/eval, as `assistant eval` does)
and answers the same questions. Beside `assistant eval`'s figures at each build's own thresholds, coverage is
read off each precision/coverage curve at the same answered precision (fp32's, from this run): the answer
threshold is learned at build time and moves with the vectors, so coverage at each build's own threshold mixes
what int8 changes with where calibration happened to put the threshold.
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
    args = parser.parse_args()
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    from assistant.config import Settings
    from assistant.engine import Assistant
    from assistant.engine.embed import load_embedder
    from assistant.evaluation.run import cached_index, load_queries, run_queries, summarise

    queries = load_queries([SHARED / "ths_faq" / "dev.jsonl", SHARED / "chitchat" / "dev.jsonl"])
    kb = SHARED / "ths_faq" / "kb.jsonl"
    results, records = {}, {}
    for runtime in ("onnx", "onnx-int8"):
        settings = Settings(runtime=runtime)  # type: ignore[arg-type]
        embedder = load_embedder(settings)
        assistant = Assistant.from_index(cached_index(kb, settings, embedder, progress=False), settings, embedder)
        records[runtime] = run_queries(assistant, queries)
        results[runtime] = summarise(records[runtime], assistant.thresholds.to_dict())
        print(runtime, json.dumps(results[runtime]), flush=True)
    target = results["onnx"]["answered_precision"]
    for runtime, found in results.items():
        found["coverage_at_fp32_precision"] = coverage_at(records[runtime], target)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\n| runtime | top-1 | coverage (own threshold) | answered precision | coverage at precision {target} |")
    print("|---|---|---|---|---|")
    for runtime, r in results.items():
        print(f"| {runtime} | {r['top1']} | {r['coverage']} | {r['answered_precision']} | "
              f"{r['coverage_at_fp32_precision']} |")
    d = {k: round(100 * (results["onnx-int8"][k] - results["onnx"][k]), 2)
         for k in ("top1", "coverage", "coverage_at_fp32_precision")}
    print(f"\nint8 - fp32, points: {d}; answered top-1 rate per cut: {np.round(target, 4)}")


if __name__ == "__main__":
    main()
