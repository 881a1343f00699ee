"""`assistant serve` with FAQ_WORKERS=2: several processes on one port, metrics added up over all of them, and
every worker following a newly published index version by itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx

from assistant import index as index_mod
from assistant.config import Settings
from tests.api.live import free_port
from tests.api.test_server_durability import _serve, _stop, _wait_ready


def _sum(metrics: str, name: str) -> float:
    return sum(float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", metrics, re.M))


def test_two_workers_share_the_port_metrics_and_index(api_settings: Settings, built_index: Path, tmp_path: Path,
                                                      monkeypatch) -> None:
    root = tmp_path / "index"
    (root / "versions").mkdir(parents=True)
    shutil.copytree(built_index, root / "versions" / "20260101T000000000000Z-aaaaaaaa")
    index_mod.publish(root, root / "versions" / "20260101T000000000000Z-aaaaaaaa")
    settings = api_settings.model_copy(update={"index_dir": root})
    monkeypatch.setenv("FAQ_WORKERS", "2")
    monkeypatch.setenv("FAQ_INDEX_WATCH_S", "0.2")
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = _serve(settings, port, log)
    try:
        _wait_ready(url, server, log)
        statuses = []
        for _ in range(30):  # a new connection each: the kernel spreads them over the workers
            r = httpx.post(url + "/v1/ask", json={"question": "忘记密码了怎么办"},
                           timeout=30)
            statuses.append(r.status_code)
        assert statuses == [200] * 30
        metrics = httpx.get(url + "/metrics", timeout=30).text
        assert _sum(metrics, "faq_questions_total") == 30, metrics
        info = [line for line in metrics.splitlines() if line.startswith("faq_index_info{")]
        assert info and all('version="20260101T000000000000Z-aaaaaaaa"' in line for line in info), info

        shutil.copytree(built_index, root / "versions" / "20260102T000000000000Z-bbbbbbbb")
        index_mod.publish(root, root / "versions" / "20260102T000000000000Z-bbbbbbbb")
        seen: list[str] = []
        for _ in range(600):
            seen.append(httpx.get(url + "/readyz", timeout=30).json()["index"])
            if seen[-20:] == ["20260102T000000000000Z-bbbbbbbb"] * 20:
                break
        assert seen[-20:] == ["20260102T000000000000Z-bbbbbbbb"] * 20, seen[-20:]
    finally:
        _stop(server)
    output = log.read_text(errors="replace")
    assert "2 process(es)" in output and "Traceback" not in output, output[-3000:]
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output[-3000:]
    # the service's own lines reach the log, with time, level, logger and process, from both workers
    loaded = re.findall(r"^\S+ INFO assistant\.api pid=(\d+) req=- index 20260101T000000000000Z-aaaaaaaa loaded",
                        output, re.M)
    followed = re.findall(r"^\S+ INFO assistant\.api pid=(\d+) req=- index 20260102T000000000000Z-bbbbbbbb "
                          r"published: now in service", output, re.M)
    assert len(set(loaded)) == 2 and len(set(followed)) == 2, output[-3000:]
