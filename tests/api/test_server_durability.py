"""Over real HTTP: racing claims, and a server killed with SIGKILL in the middle of writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from tests.api.live import LiveServer, free_port


def write_tickets(url: str, label: str, stop: threading.Event, acknowledged: list[tuple[int, str, str]]) -> None:
    """Open tickets until told to stop; keep (id, token, text) of each one the server acknowledged."""
    with httpx.Client(base_url=url, timeout=10) as client:
        n = 0
        while not stop.is_set():
            text = f"{label}-{n}：我的账号登不上了"
            try:
                r = client.post("/v1/tickets", json={"description": text})
            except httpx.HTTPError:
                return  # the server is gone: this request was never acknowledged
            if r.status_code == 201:
                acknowledged.append((r.json()["ticket_id"], r.json()["ticket_token"], text))
            n += 1


def test_twenty_agents_claim_one_ticket(live: LiveServer, api_settings: Settings, key_for) -> None:
    keys = [key_for(api_settings, f"agent{n:02d}", "agent") for n in range(20)]
    with httpx.Client(base_url=live.url, timeout=30) as client:
        ticket = client.post("/v1/ask", json={"question": "我的视频背景音乐怎么换"}).json()["ticket_id"]
    start = threading.Barrier(20)
    results: dict[str, int] = {}

    def claim(n: int) -> None:
        with httpx.Client(base_url=live.url, timeout=30) as c:
            start.wait()
            results[f"agent{n:02d}"] = c.post(f"/v1/agent/tickets/{ticket}/claim", headers=keys[n]).status_code

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [name for name, status in results.items() if status == 200]
    assert len(winners) == 1 and sorted(results.values()) == [200] + [409] * 19
    with httpx.Client(base_url=live.url, timeout=30) as client:
        detail = client.get(f"/v1/agent/tickets/{ticket}", headers=keys[0]).json()
    assert detail["assignee"] == winners[0]
    assert [e["actor"] for e in detail["events"] if e["action"] == "claim"] == winners


def _serve(settings: Settings, port: int, log: Path, **extra: str) -> subprocess.Popen:
    """`assistant serve` with the settings' folders (and any other FAQ_ variables given); one process unless the
    test asks for workers (FAQ_WORKERS in ``extra`` or the environment)."""
    env = {"FAQ_WORKERS": "1", **os.environ, "FAQ_KB_DIR": str(settings.kb_dir),
           "FAQ_INDEX_DIR": str(settings.index_dir), "FAQ_DATA_DIR": str(settings.data_dir), "FAQ_RATE_LIMIT": "0",
           "FAQ_SELFTEST_FLOOR": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", **extra}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port",
                                 str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (a graceful shutdown), SIGKILL if it takes more than 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail("the server did not become ready")


def test_kill_9_loses_no_acknowledged_ticket(api_settings: Settings, built_index: Path, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = _serve(api_settings, port, log)
    acknowledged: list[tuple[int, str, str]] = []
    stop = threading.Event()
    try:
        _wait_ready(url, server, log)

        writers = [threading.Thread(target=write_tickets, args=(url, f"工单压力测试 {w}", stop, acknowledged))
                   for w in range(6)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # mid-write: the writers are still sending
        server.wait()
        stop.set()
        for w in writers:
            w.join()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert len(acknowledged) >= 40

    restarted = _serve(api_settings, port, log)
    try:
        _wait_ready(url, restarted, log)
        with httpx.Client(base_url=url, timeout=10) as client:
            for ticket_id, token, text in acknowledged:
                r = client.get(f"/v1/tickets/{ticket_id}", headers={"X-Ticket-Token": token})
                assert r.status_code == 200, (ticket_id, r.text)
                assert r.json()["question"] == text
            assert client.post("/v1/tickets", json={"description": "重启后还能提交"}).status_code == 201
    finally:
        _stop(restarted)
