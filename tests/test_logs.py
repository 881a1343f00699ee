"""Log lines: timestamp, level, logger, process and request id, as text or JSON, configured in one place; the
CLI writes the same lines (run in a child process: logging is global)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.conftest import ROOT

SNIPPET = """
import logging
from assistant.config import Settings
from assistant.logs import REQUEST_ID, configure_logging
configure_logging(Settings())
log = logging.getLogger("assistant.api")
log.debug("not at info")
log.info("index v1 loaded")
REQUEST_ID.set("req-7")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it broke")
logging.getLogger("uvicorn.access").info("%s - %s", "127.0.0.1:5", "GET /healthz")
"""


def _run(**env: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SNIPPET], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def test_text_lines() -> None:
    lines = _run(FAQ_LOG_FORMAT="text", FAQ_LOG_LEVEL="info")
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"
    assert re.fullmatch(rf"{stamp} INFO assistant\.api pid=\d+ req=- index v1 loaded", lines[0]), lines
    assert re.fullmatch(rf"{stamp} ERROR assistant\.api pid=\d+ req=req-7 it broke", lines[1]), lines
    assert "Traceback" in lines[2] and "ZeroDivisionError" in "\n".join(lines)
    assert re.fullmatch(rf"{stamp} INFO uvicorn\.access pid=\d+ req=req-7 127\.0\.0\.1:5 - GET /healthz", lines[-1])
    assert not any("not at info" in line for line in lines)


def test_json_lines_and_level() -> None:
    lines = [json.loads(line) for line in _run(FAQ_LOG_FORMAT="json", FAQ_LOG_LEVEL="debug")]
    assert [(r["level"], r["logger"], r["message"]) for r in lines] == [
        ("DEBUG", "assistant.api", "not at info"), ("INFO", "assistant.api", "index v1 loaded"),
        ("ERROR", "assistant.api", "it broke"), ("INFO", "uvicorn.access", "127.0.0.1:5 - GET /healthz")]
    assert lines[2]["request_id"] == "req-7" and "ZeroDivisionError" in lines[2]["exception"]
    assert all(r["time"] and r["pid"] for r in lines)
    quiet = _run(FAQ_LOG_LEVEL="error")
    assert len([line for line in quiet if " ERROR " in line]) == 1 and not any(" INFO " in x for x in quiet)
