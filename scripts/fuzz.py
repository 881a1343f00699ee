"""Fuzz the HTTP API with schemathesis against its own OpenAPI document (`make fuzz`).

Starts `assistant serve` on a free loopback port with the fixture KB's index (built into a temporary folder,
or --index), throwaway tickets and keys, and no rate limits; then runs `st run --checks all` three times: with
no key, an agent key and an admin key. Every check counts (server errors, status codes and content types the
document does not list, bodies that do not match their schema, requests the document allows that are refused
and the reverse). The server's own count of 5xx answers comes from its /metrics.

    .venv/bin/python scripts/fuzz.py --max-examples 250     # the full run (over 10,000 cases, ~5 minutes on 2 cores)
    .venv/bin/python scripts/fuzz.py --max-examples 3       # a quick one

Prints a summary, writes reports/fuzz/summary.json beside schemathesis' own reports, exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ASSISTANT = [sys.executable, "-m", "assistant"]  # run from ROOT: this checkout's package
MODES = ("anonymous", "agent", "admin")


def server_errors(url: str) -> int:
    """5xx answers the service has given so far, by its own metrics."""
    with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
        text = r.read().decode()
    return sum(int(float(n)) for n in re.findall(r'^faq_http_requests_total\{.*status="5\d\d".*\} (\S+)$', text, re.M))


def run_fuzz(url: str, keys: dict[str, str | None], max_examples: int, seed: int, reports: Path) -> dict:
    """``st run`` once per key (None: no key); the figures of each run and their totals."""
    runs = {}
    errors_before = server_errors(url)
    for mode, key in keys.items():
        folder = reports / mode
        command = [str(BIN / "st"), "run", f"{url}/openapi.json", "--checks", "all", "--max-examples",
                   str(max_examples), "--seed", str(seed), "--workers", "1", "--no-color", "--report", "json",
                   "--report-dir", str(folder), "--suppress-health-check", "all",
                   # live streams stay open (tests/api/test_live_updates.py); accepting a gap edits the KB's files
                   # and a schema-valid edit may be refused as a KB problem (422), a build or publish replaces the
                   # served index (tests/api/test_learning_api.py covers the three)
                   "--exclude-path-regex", "/stream$|/v1/admin/gaps/[^/]+/accept$|/v1/admin/kb/(build|publish)$"]
        if key:
            command += ["-H", f"Authorization: Bearer {key}"]
        folder.mkdir(parents=True, exist_ok=True)  # st keeps a cache in its working folder: not in the checkout
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=folder)
        report = json.loads(next(folder.glob("*.json")).read_text())
        runs[mode] = {"cases": report["test_cases"]["generated"], "failures": len(report["failures"]),
                      "errors": len(report["errors"]), "exit_code": done.returncode,
                      "failure_titles": sorted({f.get("title", str(f))[:120] for f in report["failures"]}),
                      "seconds": round(report["running_time"], 1)}
        if done.returncode != 0:
            print(done.stdout[-6000:], file=sys.stderr)
    total = {"cases": sum(r["cases"] for r in runs.values()), "failures": sum(r["failures"] for r in runs.values()),
             "errors": sum(r["errors"] for r in runs.values()), "server_5xx": server_errors(url) - errors_before}
    return {"max_examples": max_examples, "seed": seed, "runs": runs, "total": total}


def _serve(index: Path, data: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "FAQ_INDEX_DIR": str(index), "FAQ_DATA_DIR": str(data), "FAQ_RATE_LIMIT": "0",
           "FAQ_AUTH_FAILURE_LIMIT": "0", "FAQ_INDEX_WATCH_S": "0", "FAQ_LOG_LEVEL": "warning",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with log.open("ab") as out:
        return subprocess.Popen([*ASSISTANT, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=250, help="schemathesis cases per operation and phase")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--index", type=Path, help="an index root with `current` (default: build the fixture KB)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "fuzz")
    args = parser.parse_args()
    import shutil
    import socket

    work = Path(tempfile.mkdtemp(prefix="faq-fuzz-"))
    try:
        index = args.index or work / "index"
        if args.index is None:
            subprocess.run([*ASSISTANT, "build", "--kb", str(ROOT / "tests" / "fixtures" / "kb"), "--out", str(index)],
                           check=True, cwd=ROOT, env={**os.environ, "FAQ_SELFTEST_FLOOR": "0"})
        data = work / "data"
        keys: dict[str, str | None] = {"anonymous": None}
        for role in ("agent", "admin"):
            added = subprocess.run([*ASSISTANT, "keys", "add", "--role", role, "--name", f"fuzz-{role}"],
                                   check=True, capture_output=True, text=True, cwd=ROOT,
                                   env={**os.environ, "FAQ_DATA_DIR": str(data)})
            keys[role] = added.stdout.strip().splitlines()[-1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        server = _serve(index, data, port, work / "server.log")
        try:
            _wait_ready(url, server)
            shutil.rmtree(args.out, ignore_errors=True)
            summary = run_fuzz(url, keys, args.max_examples, args.seed, args.out)
        finally:
            server.terminate()
            server.wait(timeout=60)
        log = (work / "server.log").read_text(errors="replace")
        summary["total"]["tracebacks_in_log"] = log.count("Traceback")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    for mode, run in summary["runs"].items():
        print(f"{mode:10} {run['cases']:6} cases  {run['failures']} failures  {run['errors']} errors  "
              f"{run['seconds']} s")
    t = summary["total"]
    print(f"{'total':10} {t['cases']:6} cases  {t['failures']} failures  {t['errors']} errors  "
          f"{t['server_5xx']} answers 5xx  {t['tracebacks_in_log']} tracebacks")
    sys.exit(0 if t["failures"] == t["errors"] == t["server_5xx"] == t["tracebacks_in_log"] == 0 else 1)


if __name__ == "__main__":
    main()
