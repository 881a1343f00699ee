"""The HTTP part of scripts/bench.py: `assistant serve` on a free loopback port, driven by light asyncio clients.

The clients share the machine with the server, so they are kept cheap: one keep-alive connection each, raw
HTTP/1.1 over asyncio streams, no client library. Each simulated user keeps a session for 5 questions. The clients
join over the first RAMP_S seconds, as users arrive, rather than in one burst.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
RAMP_S = 0.5  # clients join one by one over this time, not all in the same millisecond


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process and its children (FAQ_WORKERS), in MB."""
    rss = peak = 0.0
    for p in [pid, *_children(pid)]:
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        rss += int(fields["VmRSS"].split()[0]) / 1024
        peak += int(fields["VmHWM"].split()[0]) / 1024
    return rss, peak


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            child = int(stat.parent.name)
            out += [child, *_children(child)]
    return out


def start_server(index_root: Path, env: dict[str, str], work: Path, wait_s: float = 180.0
                 ) -> tuple[subprocess.Popen[bytes], int, float]:
    """Start the server; return it, its port and the seconds from spawn to the first 200 on /readyz."""
    data = work / "http-data"
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    server_env = {**env, "FAQ_INDEX_DIR": str(index_root), "FAQ_DATA_DIR": str(data), "FAQ_RATE_LIMIT": "0"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", HOST, "--port", str(port)],
                            env=server_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=(work / "server.log").open("wb"))
    while time.perf_counter() - started < wait_s:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {work / 'server.log'}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return proc, port, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not become ready in {wait_s:.0f} s")


# questions a simulated user asks in one session: after the first, each is also read in its conversation's context
SESSION_QUESTIONS = 5

async def _client(port: int, questions: list[str], next_index: Any, out: dict[str, list[Any]],
                  delay: float = 0.0, per_session: int = SESSION_QUESTIONS) -> None:
    """One user after another on one connection, opened again when the server closes it (as browsers do); each
    user asks ``per_session`` questions in one session (1: every question stands alone, nothing read in context)."""
    await asyncio.sleep(delay)
    reader, writer = await asyncio.open_connection(HOST, port)
    session, asked, closing = uuid.uuid4().hex, 0, False
    mine: list[float] = []
    out["by_client"].append(mine)
    try:
        while (i := next(next_index)) < len(questions):
            if asked == per_session:
                session, asked = uuid.uuid4().hex, 0
            asked += 1
            body = json.dumps({"question": questions[i], "session_id": session}, ensure_ascii=False).encode()
            head = (f"POST /v1/ask HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            t0 = time.perf_counter()
            if closing:  # the server closed the last one (a crowded worker, see assistant/api/balance.py): the
                writer.close()  # new connection counts in this request's time, as in a browser
                reader, writer = await asyncio.open_connection(HOST, port)
                out["reconnects"].append(1)
            writer.write(head + body)
            status = int((await reader.readline()).split()[1])
            length, closing = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    closing = True
            payload = await reader.readexactly(length)
            mine.append((time.perf_counter() - t0) * 1e3)
            if status != 200:
                out["errors"].append(status)
                continue
            timing = json.loads(payload)["timing"]
            out["cached"].append("cache_ms" in timing)
            out["hit_ms" if "cache_ms" in timing else "miss_ms"].append(mine[-1])
            out["server_ms"].append(timing.get("total_ms", 0.0))
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        out["errors"].append(repr(exc))
    finally:
        writer.close()


def run_load(port: int, name: str, questions: list[str], clients: int, per_session: int = SESSION_QUESTIONS
             ) -> dict[str, Any]:
    out: dict[str, list[Any]] = {"errors": [], "cached": [], "server_ms": [], "by_client": [], "reconnects": [],
                                 "hit_ms": [], "miss_ms": []}

    async def main() -> float:
        index = count()
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(port, questions, index, out, RAMP_S * k / clients, per_session)
                                     for k in range(clients)))
        return time.perf_counter() - t0

    seconds = asyncio.run(main())
    lat = [ms for client in out["by_client"] for ms in client]  # every answered request's latency
    cached_ms = [ms for ms, hit in zip(out["server_ms"], out["cached"], strict=True) if hit]
    return {
        "name": name, "clients": clients, "requests": len(questions), "seconds": round(seconds, 2),
        "rps": round(len(lat) / seconds, 1), "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p99_ms": round(float(np.percentile(lat, 99)), 1), "errors": len(out["errors"]),
        "error_kinds": sorted({str(e) for e in out["errors"]})[:5], "reconnects": len(out["reconnects"]),
        "cache_hits": round(float(np.mean(out["cached"])), 3) if out["cached"] else 0.0,
        # end to end over HTTP, the answers served from the cache and the others, under the same load
        "hit_p99_ms": round(float(np.percentile(out["hit_ms"], 99)), 1) if out["hit_ms"] else None,
        "miss_p99_ms": round(float(np.percentile(out["miss_ms"], 99)), 1) if out["miss_ms"] else None,
        "cached_engine_ms_p50": round(float(np.percentile(cached_ms, 50)), 3) if cached_ms else None,
        "cached_engine_ms_p99": round(float(np.percentile(cached_ms, 99)), 3) if cached_ms else None,
        # the slowest and fastest connection's median: far apart when the workers' shares of connections differ
        "client_p50_ms": [round(float(f(medians)), 1) for f in (np.min, np.max)] if (medians := [
            np.median(c) for c in out["by_client"] if c]) else None,
    }


def repeat_heavy(pool: list[str], n: int, seed: int = 1) -> list[str]:
    """Popular questions asked again and again: Zipf-like weights (1/rank) over a pool of questions."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(len(pool))]
    return rng.choices(pool, weights=weights, k=n)


def http_bench(index_root: Path, env: dict[str, str], queries: list[str], work: Path,
               unique_1: int = 300, unique_32: int = 2000, repeats: int = 3000) -> dict[str, Any]:
    pool = list(queries)
    random.Random(7).shuffle(pool)
    if len(pool) < 20 + unique_1 + unique_32 + 300:
        raise SystemExit("not enough distinct questions for the HTTP runs")
    warm, pool = pool[:20], pool[20:]
    proc, port, startup = start_server(index_root, env, work)
    try:
        ready_mb, _ = memory_mb(proc.pid)
        run_load(port, "warm-up", warm, 4)
        runs = [run_load(port, "unique", pool[:unique_1], 1)]
        pool = pool[unique_1:]
        runs.append(run_load(port, "unique", pool[:unique_32], 32))
        pool = pool[unique_32:]
        runs.append(run_load(port, "repeat-heavy", repeat_heavy(pool[:300], repeats), 32))
        rss, peak = memory_mb(proc.pid)
        index = json.loads(urllib.request.urlopen(f"http://{HOST}:{port}/readyz").read())["index"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    manifest = json.loads((index_root / "current" / "manifest.json").read_text())
    return {"index": index, "kb_questions": manifest["kb"]["questions"], "startup_s": round(startup, 2),
            "rss_ready_mb": round(ready_mb), "rss_mb": round(rss), "peak_rss_mb": round(peak), "runs": runs,
            "pid_cores": len(os.sched_getaffinity(0))}
