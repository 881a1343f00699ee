"""Where one serving process's memory goes: its anonymous (not file-backed) memory after each stage of loading an
index, and with --trace the Python heap's largest allocation sites (tracemalloc) once the Assistant is built and has
answered a few questions.

    python scripts/memory_sites.py INDEX_FOLDER [--trace]

e.g. `python scripts/memory_sites.py .cache/bench/index-100000-onnx-int8/current --trace` (scripts/bench.py and
scripts/memory.py build that index). --trace slows loading several times; the stage figures are read without it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def anonymous_mb() -> float:
    """This process's anonymous resident memory (its heap, the model's buffers), in MB; mapped index files apart."""
    from memory import smaps

    return smaps(os.getpid()).get("anonymous", 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--trace", action="store_true", help="the largest allocation sites (slow)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant import index as index_mod
    from assistant.config import Settings
    from assistant.engine.assistant import Assistant
    from assistant.engine.embed import load_embedder

    settings = Settings()
    print(f"imports: {anonymous_mb():.0f} MB")
    embedder = load_embedder(settings)
    embedder.encode(["你好"])
    print(f"the model: {anonymous_mb():.0f} MB")
    if args.trace:
        tracemalloc.start(1)
    started = time.perf_counter()
    data = index_mod.load(args.index, embedder.name, embedder.dimension)
    print(f"index loaded in {time.perf_counter() - started:.1f} s: {anonymous_mb():.0f} MB")
    started = time.perf_counter()
    assistant = Assistant(data, embedder, settings)
    gc.collect()
    with_trim = ""
    try:  # what the service does after loading (api/runtime.py)
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with_trim = " (after malloc_trim)"
    except OSError:
        pass
    print(f"Assistant built in {time.perf_counter() - started:.1f} s: {anonymous_mb():.0f} MB{with_trim}")
    for q in ["怎么开直播", "账号被封了怎么办", "提现多久到账"] * 3:
        assistant.ask(q)
    print(f"after 9 questions: {anonymous_mb():.0f} MB")
    if args.trace:
        for stat in tracemalloc.take_snapshot().statistics("lineno")[: args.top]:
            frame = stat.traceback[0]
            where = frame.filename.replace(str(ROOT) + "/", "")
            print(f"{stat.size / 2**20:8.1f} MB {stat.count:9d} objects  {where}:{frame.lineno}")


if __name__ == "__main__":
    main()
