"""Memory of the whole service: `assistant serve` at several KB sizes and worker counts, after answering.

    python scripts/memory.py [--sizes 10000 100000] [--workers 1 2] [--out reports/memory.json]

The KBs and their indexes are scripts/bench.py's (grown from ../shared/benchmarks/ths_faq, built once under
.cache/bench and reused). Each server answers 200 questions (so the model's buffers and the index pages it
touches are in), then every process of it (the supervisor and its workers) is read from /proc:

* RSS: resident pages, each process counted in full; pages several processes share (the model's and the index's
  files mapped read-only, the page cache behind them) are counted once per process;
* PSS: each shared page divided among the processes that map it, so the sum is what the service costs the
  machine; private: the pages no other process has.

A worker maps the FAISS index, the BM25 arrays and the question vectors read-only from the version folder
(assistant/index/store.py), so a second worker adds its Python objects, the model and its buffers, not another
copy of the vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def smaps(pid: int) -> dict[str, float]:
    """Rss, Pss, private (clean + dirty) and anonymous (not file-backed) memory of one process, in MB."""
    fields: dict[str, float] = {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss": fields.get("Rss", 0.0), "pss": fields.get("Pss", 0.0),
            "private": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
            "anonymous": fields.get("Anonymous", 0.0)}


def service_memory(pid: int) -> dict[str, Any]:
    from bench_http import _children

    per = {p: smaps(p) for p in [pid, *_children(pid)]}
    per = {p: m for p, m in per.items() if m}
    return {k: round(sum(m[k] for m in per.values())) for k in ("rss", "pss", "private")} | {"processes": len(per)}


def measure(size: int, workers: int, runtime: str, queries: list[str], work: Path) -> dict[str, Any]:
    from bench import build_index, grow_kb
    from bench_http import run_load, start_server

    env = {**os.environ, "FAQ_RUNTIME": runtime, "FAQ_CACHE_DIR": str(ROOT / ".cache"), "FAQ_SELFTEST_FLOOR": "0",
           "FAQ_WORKERS": str(workers)}
    root = work / f"index-{size}-{runtime}"
    build = build_index(grow_kb(size, work / f"kb-{size}.jsonl"), root, env, False)
    own = work / "memory"  # its own data folder and log: bench scripts may be running beside it
    own.mkdir(parents=True, exist_ok=True)
    proc, port, startup = start_server(root, env, own, wait_s=600)  # 100k on a busy machine: minutes
    try:
        ready = service_memory(proc.pid)
        run_load(port, "warm", queries[:200], 8)
        time.sleep(0.5)
        answered = service_memory(proc.pid)
        index = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").read())["index"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"questions": build["questions"], "workers": workers, "runtime": runtime, "index": index,
            "startup_s": round(startup, 1), "ready_mb": ready, "answered_mb": answered}


def main() -> None:
    from assistant.config import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runtime", default=os.environ.get("FAQ_RUNTIME", Settings.model_fields["runtime"].default),
                        choices=["onnx", "onnx-int8", "torch"], help="default: the service's (FAQ_RUNTIME)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "memory.json")
    args = parser.parse_args()
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    from bench import dev_queries

    queries = dev_queries()
    rows = []
    for size in args.sizes:
        for w in args.workers:
            rows.append(measure(size, w, args.runtime, queries, args.work))
            print(json.dumps(rows[-1]), flush=True)  # each row as it is measured
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=1), encoding="utf-8")
    print(f"runtime {args.runtime}, {os.cpu_count()} cores\n")
    print("| KB questions | workers | processes | RSS MB (sum) | PSS MB (the machine's cost) | private MB | start s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        m = r["answered_mb"]
        print(f"| {r['questions']} | {r['workers']} | {m['processes']} | {m['rss']} | {m['pss']} | {m['private']} | "
              f"{r['startup_s']} |")


if __name__ == "__main__":
    main()
