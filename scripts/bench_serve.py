"""What `make serve` starts, against the bare model, in the same rounds: the targets of the service's speed.

    python scripts/bench_serve.py [--rounds 3] [--size 10000] [--out reports/bench-serve.json]

Each round first times the bare PyTorch (sentence-transformers) batch-32 encode of the round's unique questions,
then starts `assistant serve` with its defaults (no FAQ_ setting but the folders and FAQ_RATE_LIMIT=0, which
would otherwise refuse a load generator) on scripts/bench.py's grown KB, built with the default runtime, and
drives it over loopback: 1 client with unique questions, 32 clients with unique questions, 32 clients with a
repeat-heavy mix (scripts/bench_http.py). Throughput is reported as a ratio to the bare encode of the same round,
so that load from other programs on a shared machine moves both; the table gives each round and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def torch_rate(texts: list[str]) -> float:
    from assistant.config import Settings
    from assistant.engine.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(Settings().model)
    embedder.encode(texts[:64])
    t0 = time.perf_counter()
    embedder.encode(texts, batch_size=32)
    return len(texts) / (time.perf_counter() - t0)


def one_round(index_root: Path, env: dict[str, str], pool: list[str], work: Path, per_session: int
              ) -> dict[str, Any]:
    from bench_http import repeat_heavy, run_load, start_server

    unique_1, unique_32, repeats = pool[20:220], pool[220:1820], pool[1820:2120]
    torch = torch_rate(unique_32[:640])
    proc, port, startup = start_server(index_root, env, work)
    try:
        run_load(port, "warm-up", pool[:20], 4)
        single = run_load(port, "unique", unique_1, 1)
        many = run_load(port, "unique", unique_32, 32, per_session)
        repeat = run_load(port, "repeat-heavy", repeat_heavy(repeats, 3000), 32, per_session)
        ready = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").read())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"torch_batch32_per_s": round(torch, 1), "startup_s": round(startup, 1), "readyz": ready,
            "single_p50_ms": single["p50_ms"], "rps_32": many["rps"], "ratio_32": round(many["rps"] / torch, 2),
            "p50_32_ms": many["p50_ms"], "p99_32_ms": many["p99_ms"], "errors": single["errors"] + many["errors"]
            + repeat["errors"], "repeat_rps": repeat["rps"], "repeat_hit_share": repeat["cache_hits"],
            "repeat_hit_p99_ms": repeat["hit_p99_ms"], "repeat_p99_ms": repeat["p99_ms"],
            "load": [round(x, 2) for x in os.getloadavg()]}


COLUMNS = ("torch_batch32_per_s", "rps_32", "ratio_32", "p50_32_ms", "p99_32_ms", "errors", "repeat_hit_p99_ms",
           "repeat_p99_ms", "single_p50_ms")


def main() -> None:
    from bench_http import SESSION_QUESTIONS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="question order of the first round (then +1 a round)")
    parser.add_argument("--size", type=int, default=10000, help="KB questions")
    parser.add_argument("--env", action="append", default=[], metavar="FAQ_X=VALUE",
                        help="a setting to start the service with instead of its default (e.g. the old defaults: "
                        "--env FAQ_WORKERS=1 --env FAQ_RUNTIME=onnx)")
    parser.add_argument("--session-questions", type=int, default=SESSION_QUESTIONS, metavar="N",
                        help="questions each simulated user asks in one session (1: stand-alone questions, as the "
                        "issue's first measurement; default 5: follow-ups also read in context)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench-serve.json")
    args = parser.parse_args()
    from bench import build_index, dev_queries, grow_kb

    from assistant.config import Settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQ_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
                "FAQ_CACHE_DIR": str(ROOT / ".cache"), "FAQ_SELFTEST_FLOOR": "0"})
    os.environ.update({k: env[k] for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM")})
    env.update(dict(item.split("=", 1) for item in args.env))
    runtime = env.get("FAQ_RUNTIME", Settings.model_fields["runtime"].default)
    root = args.work / f"index-{args.size}-{runtime}"
    build_index(grow_kb(args.size, args.work / f"kb-{args.size}.jsonl"), root, env, False)
    queries = dev_queries()
    rounds = []
    for n in range(args.rounds):
        pool = list(queries)
        random.Random(args.seed + n).shuffle(pool)
        rounds.append(one_round(root, env, pool, args.work, args.session_questions))
        print(f"round {n + 1}: {json.dumps({k: rounds[-1][k] for k in COLUMNS})}", flush=True)
    median = {k: round(statistics.median(r[k] for r in rounds), 2) for k in COLUMNS}
    report = {"command": " ".join(sys.argv), "cores": os.cpu_count(), "runtime": runtime, "env": args.env,
              "session_questions": args.session_questions,
              "rounds": rounds,
              "median": median}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n{os.cpu_count()} cores; `assistant serve` with {' '.join(args.env) or 'its defaults'} "
          f"({rounds[0]['readyz'].get('runtime')}); "
          f"KB of {args.size} questions; {args.session_questions} questions a session\n")
    print("| round | bare torch b32/s | 32 clients req/s | x torch | p50 ms | p99 ms | errors | repeats: cached p99 ms "
          "| repeats p99 ms | 1 client p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in [*((str(i + 1), r) for i, r in enumerate(rounds)), ("median", median)]:
        print(f"| {name} | " + " | ".join(str(r[k]) for k in COLUMNS) + " |")


if __name__ == "__main__":
    main()
