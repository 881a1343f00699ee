"""Where a request's CPU goes: the service in this process, driven over loopback, sampled across its threads.

    python scripts/profile_request.py [--index index] [--clients 32] [--requests 2000] [--out reports/profile.json]

The app is built as `assistant serve` builds one worker (create_app on the settings from the environment) and run
by uvicorn in this process; the clients (scripts/bench_http.py's raw asyncio ones, unique ths_faq dev questions)
run in a child process, so they are not in the profile. A sampler thread wakes every 2 ms, reads each thread's
CPU time since its last round (``/proc/self/task/*/schedstat``) and files it under the stage that thread's Python
stack is in (``sys._current_frames``): the first part of the stack, from the innermost frame outwards, that belongs
to a known stage: the model (ONNX Runtime, the tokenizer), JSON, validation (pydantic), the turn log and the rest of
the desk (SQLAlchemy), metrics, HTTP (uvicorn, httptools), ranking (our engine, FAISS, numpy, jieba), the framework
(Starlette, FastAPI, anyio). Threads that are not Python's (ONNX Runtime's pool) count as the model. Waiting
costs no CPU, so a thread blocked on a lock or a disk flush adds nothing.

The CPU a thread spent between two rounds is filed where the thread is at the second: the split is an estimate
of where the CPU goes (the finer the stage, the rougher), not an exact count. ``--top`` lists it by our innermost
function as well.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# (stage, path fragments); a frame belongs to the first stage one of whose fragments its file name contains
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model", ("onnxruntime", "tokenizers", "/engine/embed.py", "/engine/onnx.py", "sentence_transformers",
               "/torch/")),
    ("JSON", ("/json/", "orjson", "/fastapi/encoders.py")),
    ("validation (pydantic)", ("pydantic", "/fastapi/_compat", "/assistant/api/schemas.py")),
    ("turn log and desk (SQL)", ("/assistant/desk/", "sqlalchemy", "sqlite3", "psycopg")),
    ("metrics", ("prometheus_client", "/assistant/api/metrics.py")),
    ("HTTP (uvicorn)", ("/uvicorn/", "httptools", "/h11/")),
    ("ranking (engine, FAISS, numpy, jieba)", ("/assistant/engine/", "/assistant/text", "/assistant/index/", "faiss",
                                               "numpy", "jieba", "bm25s", "scipy")),
    ("framework (Starlette, FastAPI, anyio)", ("/starlette/", "/fastapi/", "/anyio/")),
    ("our middleware and routes", ("/assistant/api/",)),
)
# a thread whose innermost frame is one of these is waiting, not working
IDLE = (("threading.py", "wait"), ("threading.py", "_wait_for_tstate_lock"), ("selectors.py", "select"),
        ("queue.py", "get"), ("asyncio/runners.py", "run"), ("asyncio/base_events.py", "_run_once"),
        ("asyncio/base_events.py", "run_forever"), ("threading.py", "acquire"), ("concurrent/futures/thread.py",
        "_worker"), ("anyio/_backends/_asyncio.py", "run"), ("time", "sleep"))


def stage_of(frame: FrameType | None) -> tuple[str, str] | None:
    """The stage a sampled stack belongs to and the innermost frame of ours in it (file:function); None when
    the thread is idle."""
    if frame is None:
        return None
    code = frame.f_code
    if any(code.co_filename.endswith(f) and code.co_name == n for f, n in IDLE):
        return None
    stage, ours = None, "?"
    while frame is not None:
        name = frame.f_code.co_filename.replace("\\", "/")
        if stage is None:
            stage = next((s for s, parts in STAGES if any(p in name for p in parts)), None)
        if "/assistant/" in name:
            ours = f"{name.rsplit('/assistant/', 1)[1]}:{frame.f_code.co_name}"
            break
        frame = frame.f_back
    return stage or "other", ours


class Sampler(threading.Thread):
    """Every ``interval``: each thread's CPU time since the last round (``/proc/self/task/*/schedstat``), filed
    under the stage its Python stack is in now. Threads that are not Python's (ONNX Runtime's pool) are the
    model's."""

    def __init__(self, interval: float = 0.002, ignore: tuple[int, ...] = ()) -> None:
        super().__init__(name="sampler", daemon=True)
        self.interval = interval
        self.ignore = ignore
        self.cpu_ns: Counter[str] = Counter()
        self.ours: Counter[str] = Counter()
        self.samples = 0
        self._halt = threading.Event()
        self._last: dict[int, int] = {}

    def _cpu(self) -> dict[int, int]:
        out = {}
        for task in os.scandir("/proc/self/task"):
            try:
                with open(f"{task.path}/schedstat") as fh:
                    out[int(task.name)] = int(fh.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
        return out

    def run(self) -> None:
        skip = {threading.get_native_id(), *self.ignore}
        self._last = self._cpu()
        while not self._halt.is_set():
            time.sleep(self.interval)
            frames = sys._current_frames()
            native = {t.native_id: t.ident for t in threading.enumerate()}
            cpu = self._cpu()
            for tid, ns in cpu.items():
                spent = ns - self._last.get(tid, ns)
                if tid in skip or spent <= 0:
                    continue
                ident = native.get(tid)
                found = stage_of(frames.get(ident)) if ident is not None else ("model", "ONNX Runtime's threads")
                stage, where = found or ("event loop in C (uvloop, httptools, sockets) or just gone idle", "?")
                self.cpu_ns[stage] += spent
                self.ours[f"{stage} <- {where}"] += spent
            self._last = cpu
            self.samples += 1

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _drive(port: int, questions: list[str], clients: int, out: Any) -> None:
    from bench_http import run_load

    run_load(port, "warm-up", questions[:40], 4)
    out.put(run_load(port, "unique", questions[40:], clients))


def profile(index: Path, questions: list[str], clients: int) -> dict[str, Any]:
    import uvicorn
    from bench_http import free_port

    from assistant.api.app import create_app
    from assistant.config import Settings
    from assistant.engine.batching import serving_threads

    serving_threads()
    data = Path(tempfile.mkdtemp(prefix="profile-"))
    app = create_app(Settings(index_dir=index, data_dir=data, rate_limit=0, index_watch_s=0))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="server", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    queue: Any = multiprocessing.get_context("spawn").Queue()
    client = multiprocessing.get_context("spawn").Process(target=_drive, args=(port, questions, clients, queue))
    sampler = Sampler(ignore=(threading.get_native_id(),))  # this thread only waits for the clients
    client.start()
    time.sleep(1.0)  # model warm-up and the clients' warm-up requests stay out of the counts
    cpu0, wall0 = os.times(), time.perf_counter()
    sampler.start()
    lane = app.state.ask_lanes.fresh  # the questions of concurrent requests, answered in batches
    batched = (lane.batches, lane.items)
    load = queue.get()
    sampler.stop()
    batches, requests = lane.batches - batched[0], lane.items - batched[1]
    cpu1, wall1 = os.times(), time.perf_counter()
    client.join()
    server.should_exit = True
    thread.join(10)
    total = sum(sampler.cpu_ns.values()) or 1
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {"load": load, "cpu_s": round(cpu, 2), "wall_s": round(wall1 - wall0, 2),
            "cpu_ms_per_request": round(cpu * 1e3 / max(load["requests"], 1), 2),
            "sampled_cpu_s": round(total / 1e9, 2), "mean_batch": round(requests / max(batches, 1), 1),
            "rounds": sampler.samples,
            "split": {k: round(v / total, 3) for k, v in sampler.cpu_ns.most_common()},
            "top": {k: round(v / total, 3) for k, v in sampler.ours.most_common(20)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", action="store_true", help="also the stages by our innermost function")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "profile.json")
    args = parser.parse_args()
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    from bench import dev_queries

    report = profile(args.index, dev_queries()[: args.requests + 40], args.clients)
    report.update(command=" ".join(sys.argv), cores=os.cpu_count(), load_end=[round(x, 2) for x in os.getloadavg()],
                  runtime=os.environ.get("FAQ_RUNTIME", "default"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    load = report["load"]
    print(f"{load['requests']} requests, {args.clients} clients: {load['rps']} req/s, p50 {load['p50_ms']} ms, "
          f"p99 {load['p99_ms']} ms, errors {load['errors']}; process CPU {report['cpu_ms_per_request']} ms a "
          f"request ({os.cpu_count()} cores); mean batch {report['mean_batch']} questions")
    print("| stage | share of the CPU time |\n|---|---|")
    for stage, share in report["split"].items():
        print(f"| {stage} | {share:.1%} |")
    if args.top:
        print("\n".join(f"{share:6.1%}  {where}" for where, share in report["top"].items()))


if __name__ == "__main__":
    main()
