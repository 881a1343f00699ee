"""Rate limits of a real `assistant serve`: X-Forwarded-For buys no quota unless the proxy sending it is
trusted (FAQ_TRUSTED_PROXIES), and two worker processes together allow the limit, not twice it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from tests.api.live import free_port
from tests.api.test_server_durability import _serve, _stop, _wait_ready

LIMIT = 20


def _statuses(url: str, forwarded: list[str]) -> list[int]:
    """One request per address, each on a new connection (the kernel spreads them over the workers)."""
    return [httpx.get(url + "/v1/tickets/1", headers={"X-Forwarded-For": address}, timeout=30).status_code
            for address in forwarded]


def _both_workers_started(log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("Application startup complete") < 2:
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.25)


def test_forwarded_for_is_not_believed_and_workers_share_the_limit(api_settings: Settings, built_index: Path,
                                                                   tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = _serve(api_settings, port, log, FAQ_WORKERS="2", FAQ_RATE_LIMIT=str(LIMIT))
    try:
        _wait_ready(url, server, log)
        _both_workers_started(log)  # /readyz answers as soon as one is up; the other may still be loading
        statuses = _statuses(url, [f"198.51.100.{n}" for n in range(3 * LIMIT)])
    finally:
        _stop(server)
    allowed = statuses.count(401)  # the ticket token is missing: the request got past the limit
    assert LIMIT <= allowed <= LIMIT + 1 and statuses.count(429) == len(statuses) - allowed, statuses
    served_by = set(re.findall(r"pid=(\d+) \S+ [\d.:]+ - \"GET /v1/tickets/1", log.read_text(errors="replace")))
    assert len(served_by) == 2, log.read_text(errors="replace")[-3000:]  # both workers answered


def test_a_trusted_proxy_names_the_client(api_settings: Settings, built_index: Path, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = _serve(api_settings, port, log, FAQ_RATE_LIMIT=str(LIMIT), FAQ_TRUSTED_PROXIES='["127.0.0.0/8"]',
                    FAQ_LOG_FORMAT="json")
    try:
        _wait_ready(url, server, log)
        rotated = _statuses(url, [f"198.51.100.{n}" for n in range(3 * LIMIT)])
        repeated = _statuses(url, ["203.0.113.9"] * (LIMIT + 5))
    finally:
        _stop(server)
    assert rotated == [401] * (3 * LIMIT)  # each address behind the proxy is a client of its own
    assert repeated.count(401) == LIMIT and repeated[-1] == 429
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [r for r in lines if r["logger"] == "uvicorn.access" and "/v1/tickets/1" in r["message"]]
    assert len(access) == 4 * LIMIT + 5 and all(len(r["request_id"]) == 32 for r in access)
    assert any("198.51.100.7" in r["message"] for r in access)  # the client behind the proxy, in the log too
