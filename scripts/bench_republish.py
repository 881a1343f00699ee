"""How long `assistant build` takes for a KB a kept version was built from (republished) against a full build.

    python scripts/bench_republish.py [--kb kb]

Builds the KB into a temporary index root (a full build), edits nothing, builds again (republished), and prints
the wall seconds of both `assistant build` runs, process start and model loading included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def timed_build(kb: str, root: str, *extra: str) -> tuple[float, str]:
    env = {**os.environ, "FAQ_INDEX_DIR": root, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "assistant", "build", "--kb", kb, *extra], env=env, check=True,
                         capture_output=True, text=True)
    return time.perf_counter() - started, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default="kb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        full, _ = timed_build(args.kb, root)
        again, said = timed_build(args.kb, root)
        assert "not rebuilt" in said, said
    print(f"full build {full:.1f}s; the same KB again (republished) {again:.1f}s")


if __name__ == "__main__":
    main()
