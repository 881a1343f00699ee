"""Benchmark: engine latency, build cost, bare model speed and HTTP throughput, printed as a table and saved as JSON.

    python scripts/bench.py [--sizes 1000 10000 100000] [--http-size 10000] [--out reports/bench.json]

KBs of each size are grown from ../shared/benchmarks/ths_faq (read at run time, written only under the ignored
cache folder): its 270 entries first (6 questions each), then synthetic entries. A synthetic entry copies a real
one with its most frequent content word swapped, in every question, for a word of another entry, and a polite
prefix or suffix added: a topic the KB does not have yet, asked the way the original is asked. Engine queries are
the real user questions of ths_faq dev. Indexes are built with `assistant build` in a child process (wall time and
peak resident memory of that process) and reused by later runs unless --rebuild is given.

Machine noise: each latency figure is the median over --rounds rounds; the spread is kept in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PREFIXES = ("", "", "请问", "我想问下", "麻烦问一下", "你好，", "在吗，")
SUFFIXES = ("", "", "？", "呢", "啊", "，谢谢")


# ---- data -----------------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_queries() -> list[str]:
    """ths_faq dev questions, unique after normalisation-like folding, in file order."""
    seen: set[str] = set()
    out = []
    for item in read_jsonl(SHARED / "ths_faq" / "dev.jsonl"):
        key = _key(item["query"])
        if key not in seen:
            seen.add(key)
            out.append(item["query"])
    return out


def _key(text: str) -> str:
    return re.sub(r"[\s?？!！。.,，~～]+", "", text).lower()


def grow_kb(n_questions: int, out: Path, seed: int = 0) -> Path:
    """A JSON Lines KB of about ``n_questions`` questions (whole entries of 6), see the module docstring."""
    import jieba

    jieba.setLogLevel(60)
    source = read_jsonl(SHARED / "ths_faq" / "kb.jsonl")
    rng = random.Random(seed)
    words = [[w for w in jieba.lcut(q) if len(w) >= 2 and not w.isascii()]
             for e in source for q in [e["question"], *e["similar"]]]
    vocabulary = sorted({w for ws in words for w in ws})
    n_entries = -(-n_questions // 6)
    entries = [dict(e) for e in source[:n_entries]]
    seen = {_key(q) for e in entries for q in [e["question"], *e["similar"]]}
    clone = 0
    while len(entries) < n_entries:
        base = source[clone % len(source)]
        clone += 1
        made = _variant(base, rng, vocabulary, seen)
        if made is not None:
            made["id"] = f"{base['id']}-x{clone // len(source)}-{clone}"
            entries.append(made)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    return out


def _variant(base: dict[str, Any], rng: random.Random, vocabulary: list[str], seen: set[str]
             ) -> dict[str, Any] | None:
    import jieba

    questions = [base["question"], *base["similar"]]
    counts = Counter(w for q in questions for w in set(jieba.lcut(q)) if len(w) >= 2 and not w.isascii())
    for _ in range(20):
        new = rng.choice(vocabulary)
        old = counts.most_common(1)[0][0] if counts else None
        made = [(rng.choice(PREFIXES) + (q.replace(old, new) if old else q) + rng.choice(SUFFIXES)) for q in questions]
        keys = [_key(q) for q in made]
        if len(set(keys)) == len(keys) and not seen.intersection(keys):
            seen.update(keys)
            return {**base, "question": made[0], "similar": made[1:], "answer": f"（示例答案）{made[0]}"}
    return None


# ---- builds ---------------------------------------------------------------------------------------------------


def build_index(kb: Path, root: Path, env: dict[str, str], rebuild: bool) -> dict[str, Any]:
    """`assistant build` in a child process: wall seconds and peak RSS (kept next to the index for reuse)."""
    from assistant.index import FORMAT_VERSION

    record = root / "bench-build.json"
    manifest_path = root / "current" / "manifest.json"
    if record.exists() and not rebuild and manifest_path.exists() \
            and json.loads(manifest_path.read_text()).get("format") == FORMAT_VERSION:  # an older format: rebuild
        return {**json.loads(record.read_text()), "reused": True}
    started = time.perf_counter()
    log = root.parent / f"{root.name}.build.log"
    root.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "build", "--kb", str(kb), "--out", str(root),
                                 "--force"],  # a build, not a republished version
                                env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # wait4 gives this child's own peak memory
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    out = log.read_text()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"build of {kb} failed (see {log}):\n{out[-2000:]}")
    manifest = json.loads((root / "current" / "manifest.json").read_text())
    result = {
        "seconds": round(seconds, 1),
        "builder_seconds": float(m.group(1)) if (m := re.search(r"in ([\d.]+)s", out)) else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "questions": manifest["kb"]["questions"], "entries": manifest["kb"]["entries"], "faiss": manifest["faiss"],
        "selftest_top1": round(manifest["selftest"]["top1"], 4),
        "stages": manifest.get("build_seconds", {}),  # seconds per stage, the write excepted
    }
    record.write_text(json.dumps(result, indent=1))
    return {**result, "reused": False}


# ---- engine ---------------------------------------------------------------------------------------------------


def percentiles(values: list[float], qs: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
    return {f"p{q}": round(float(np.percentile(values, q)), 2) for q in qs} if values else {}


def median_of(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rounds), 2) for k in rounds[0]}


def engine_latency(index: Path, queries: list[str], rounds: int, runtime: str) -> dict[str, Any]:
    """Assistant.ask one question at a time (cache off), and the cached path for repeats."""
    from assistant.config import Settings
    from assistant.engine import Assistant

    settings = Settings(runtime=runtime, answer_cache_size=0, cache_dir=ROOT / ".cache")  # type: ignore[arg-type]
    assistant = Assistant.from_index(index, settings)
    for q in queries[:20]:
        assistant.ask(q)
    total, search, embed = [], [], []
    for _ in range(rounds):
        t_total, t_search, t_embed = [], [], []
        for q in queries:
            t0 = time.perf_counter()
            reply = assistant.ask(q)
            t_total.append((time.perf_counter() - t0) * 1e3)
            t = reply.timing
            t_search.append(t["dense_ms"] + t["lexical_ms"] + t["features_ms"] + t["rank_ms"])
            t_embed.append(t["embed_ms"])
        total.append(percentiles(t_total))
        search.append(percentiles(t_search))
        embed.append(percentiles(t_embed))
    cached = Assistant(assistant.data, assistant.embedder, settings.model_copy(update={"answer_cache_size": 4096}))
    repeats = queries[:200]
    for q in repeats:
        cached.ask(q)
    hits = []
    for _ in range(rounds):
        for q in repeats:
            t0 = time.perf_counter()
            cached.ask(q)
            hits.append((time.perf_counter() - t0) * 1e3)
    return {"questions": assistant.data.question_count, "queries": len(queries), "rounds": rounds,
            "faiss_ms": faiss_kinds(assistant, queries[:300]),
            "total_ms": median_of(total), "search_ms": median_of(search), "embed_ms": median_of(embed),
            "cached_ms": percentiles(hits), "total_ms_rounds": total}


def faiss_kinds(assistant: Any, queries: list[str]) -> dict[str, dict[str, float]]:
    """One-question FAISS search, exact (flat) against HNSW, on this KB's vectors: where FAQ_HNSW_MIN_VECTORS
    should switch. Recall is HNSW's top-30 overlap with the exact top-30."""
    from assistant.index import make_faiss

    vectors = assistant.data.vectors
    qv = assistant.embed([assistant.retriever.prepare(q).norm for q in queries])  # as the pipeline searches
    out: dict[str, dict[str, float]] = {}
    exact_ids = None
    for kind in ("flat", "hnsw"):
        index = make_faiss(vectors, kind, 0)
        times = []
        for row in qv:
            t0 = time.perf_counter()
            index.search(row[None, :], 30)
            times.append((time.perf_counter() - t0) * 1e3)
        _, ids = index.search(qv, 30)
        if exact_ids is None:
            exact_ids = ids
        recall = float(np.mean([len(set(a) & set(b)) / 30 for a, b in zip(ids, exact_ids, strict=True)]))
        out[kind] = {**percentiles(times, (50, 99)), "recall@30": round(recall, 4)}
    return out


def encode_rates(queries: list[str], rounds: int) -> dict[str, Any]:
    """Bare model speed: sentence-transformers (PyTorch) batch-32, and ONNX Runtime fp32/int8 for context."""
    from assistant.config import Settings
    from assistant.engine.embed import OnnxEmbedder, SentenceTransformerEmbedder

    settings = Settings()
    texts = queries[:640]
    out: dict[str, Any] = {}
    embedders = {"torch": SentenceTransformerEmbedder(settings.model),
                 "onnx": OnnxEmbedder(settings.model, ROOT / ".cache"),
                 "onnx-int8": OnnxEmbedder(settings.model, ROOT / ".cache", int8=True)}
    for name, embedder in embedders.items():
        embedder.encode(texts[:64])
        rates, singles = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            embedder.encode(texts, batch_size=32)
            rates.append(len(texts) / (time.perf_counter() - t0))
            for q in texts[:100]:
                t1 = time.perf_counter()
                embedder.encode([q])
                singles.append((time.perf_counter() - t1) * 1e3)
        out[name] = {"batch32_per_s": round(statistics.median(rates), 1), "batch32_runs": [round(r, 1) for r in rates],
                     "single_ms": percentiles(singles, (50, 99))}
    return out


# ---- report ---------------------------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    lines = [f"machine: {report['machine']['cores']} cores, {report['machine']['cpu']}; runtime {report['runtime']}; "
             f"load average at start {report['machine']['load_start']}, at end {report['machine'].get('load_end')}"]
    lines += ["", "| KB questions | build s | build peak MB | engine p50 / p95 / p99 ms | search p50 / p99 ms | "
              "embed p50 ms | cached p50 / p99 ms | FAISS flat / HNSW p50 ms (HNSW recall@30) |",
              "|---|---|---|---|---|---|---|---|"]
    for size, r in report["sizes"].items():
        b, e = r["build"], r["engine"]
        lines.append(f"| {e['questions']} ({size}) | {b['seconds']}{' (reused)' if b.get('reused') else ''} | "
                     f"{b['peak_rss_mb']} | {e['total_ms']['p50']} / {e['total_ms']['p95']} / {e['total_ms']['p99']} | "
                     f"{e['search_ms']['p50']} / {e['search_ms']['p99']} | {e['embed_ms']['p50']} | "
                     f"{e['cached_ms']['p50']} / {e['cached_ms']['p99']} | {e['faiss_ms']['flat']['p50']} / "
                     f"{e['faiss_ms']['hnsw']['p50']} ({e['faiss_ms']['hnsw']['recall@30']}) |")
    for size, r in report["sizes"].items():
        if r["build"].get("stages"):
            lines.append(f"build stages at {size}: " + ", ".join(f"{k} {v} s" for k, v in r["build"]["stages"].items()))
    enc = report.get("encode")
    if enc:
        lines += ["", "| model alone | batch-32 sentences/s | single p50 / p99 ms |", "|---|---|---|"]
        lines += [f"| {k} | {v['batch32_per_s']} | {v['single_ms']['p50']} / {v['single_ms']['p99']} |"
                  for k, v in enc.items()]
    http = report.get("http")
    if http:
        workers = report.get("workers") or "one per core:"
        lines += ["", f"HTTP POST /v1/ask, {workers} server process(es), KB of {http['kb_questions']} "
                  f"questions: start-up to ready "
                  f"{http['startup_s']} s, resident memory {http['rss_mb']} MB after the runs (peak "
                  f"{http['peak_rss_mb']} MB)", "",
                  "| load | clients | requests | req/s | p50 ms | p99 ms | errors | cache hits | x bare torch |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for run in http["runs"]:
            lines.append(f"| {run['name']} | {run['clients']} | {run['requests']} | {run['rps']} | {run['p50_ms']} | "
                         f"{run['p99_ms']} | {run['errors']} | {run['cache_hits']} | {run.get('ratio_to_torch', '')} |")
    return "\n".join(lines)


def main() -> None:
    from assistant.config import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--http-size", type=int, default=10000, help="KB size the HTTP runs use (0: no HTTP)")
    parser.add_argument("--queries", type=int, default=1000, help="engine queries per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runtime", default=os.environ.get("FAQ_RUNTIME", Settings.model_fields["runtime"].default),
                        choices=["onnx", "onnx-int8", "torch"], help="default: the service's (FAQ_RUNTIME)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("FAQ_WORKERS", "0")),
                        help="server processes for the HTTP runs (FAQ_WORKERS; 0: one per core, the default)")
    parser.add_argument("--rebuild", action="store_true", help="build the indexes again even if present")
    parser.add_argument("--no-encode", action="store_true", help="skip the bare model speed")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench.json")
    args = parser.parse_args()
    if not (SHARED / "ths_faq").is_dir():
        raise SystemExit(f"{SHARED / 'ths_faq'} not found: the benchmark grows its KBs from it")
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    # the grown KBs are for timing, not for answering well: their self-test (~0.56 top-1) is no gate here
    env = {**os.environ, "FAQ_RUNTIME": args.runtime, "FAQ_CACHE_DIR": str(ROOT / ".cache"), "FAQ_SELFTEST_FLOOR": "0",
           "FAQ_WORKERS": str(args.workers)}
    queries = dev_queries()
    report: dict[str, Any] = {
        "command": " ".join(sys.argv), "runtime": args.runtime, "workers": args.workers,
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                    "load_start": [round(x, 2) for x in os.getloadavg()]},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "sizes": {},
    }
    for size in sorted(set(args.sizes) | ({args.http_size} if args.http_size else set())):
        kb = grow_kb(size, args.work / f"kb-{size}.jsonl")
        root = args.work / f"index-{size}-{args.runtime}"
        build = build_index(kb, root, env, args.rebuild)
        print(f"[{size}] build {build}", flush=True)
        if size in args.sizes:
            engine = engine_latency(root / "current", queries[: args.queries], args.rounds, args.runtime)
            report["sizes"][str(size)] = {"build": build, "engine": engine}
            print(f"[{size}] engine {engine['total_ms']} search {engine['search_ms']}", flush=True)
    if not args.no_encode:
        report["encode"] = encode_rates(queries, args.rounds)
        print(f"encode {report['encode']}", flush=True)
    if args.http_size:
        from bench_http import http_bench

        report["http"] = http_bench(args.work / f"index-{args.http_size}-{args.runtime}", env, queries, args.work)
        torch_rate = report.get("encode", {}).get("torch", {}).get("batch32_per_s")
        for run in report["http"]["runs"]:
            if torch_rate and run["name"] == "unique":
                run["ratio_to_torch"] = round(run["rps"] / torch_rate, 2)
    report["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(report))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
