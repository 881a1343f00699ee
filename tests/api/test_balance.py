"""The workers' load board (FAQ_WORKERS > 1): a worker with clearly more busy connections than another closes
some, so that clients reconnect to the less busy one; quiet connections, silent workers and dead ones do not
count."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api.balance import BUSY_S, LoadBoard
from assistant.config import Settings
from tests.api.live import LiveServer


@pytest.fixture()
def other_pid() -> Iterator[int]:
    """A live process standing in for another worker."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_crowded_worker_sheds_connections_until_even(tmp_path: Path, other_pid: int) -> None:
    mine, other = LoadBoard(tmp_path / "board"), LoadBoard(tmp_path / "board", pid=other_pid)
    assert mine.slot != other.slot
    now = 1000.0
    for port in range(7):
        mine.request(("10.0.0.1", port), now)
    for port in range(3):
        other.request(("10.0.0.2", port), now)
    assert mine.least_other(now) == 3 and other.least_other(now) == 7

    assert not other.shed(("10.0.0.2", 0), now)  # the less busy one keeps its connections
    shed = [port for port in range(7) if mine.shed(("10.0.0.1", port), now)]
    assert shed == [0, 1, 2]  # 7 -> 4 against 3: one apart is even enough
    assert mine.busy == 4
    # a shed connection that comes back (the client reconnected here after all) counts again
    mine.request(("10.0.0.1", 0), now)
    assert mine.busy == 5


def test_quiet_connections_and_silent_workers_count_as_idle(tmp_path: Path, other_pid: int) -> None:
    mine, other = LoadBoard(tmp_path / "board"), LoadBoard(tmp_path / "board", pid=other_pid)
    for port in range(5):
        other.request(("10.0.0.2", port), 1000.0)
    mine.request(("10.0.0.1", 1), 1000.0)
    mine.request(("10.0.0.1", 2), 1000.0 + BUSY_S / 2)
    assert mine.least_other(1000.0 + BUSY_S / 2) == 5
    # past BUSY_S without a request: the other worker's count is old news, and so is connection 1 here
    later = 1000.0 + BUSY_S * 1.2
    mine.request(("10.0.0.1", 3), later)
    assert mine.busy == 2  # connection 1 went quiet; 2 and 3 are busy
    assert mine.least_other(later) == 0
    assert mine.shed(("10.0.0.1", 3), later)


def test_a_dead_workers_slot_is_taken_over_and_not_counted(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = LoadBoard(tmp_path / "board", pid=gone.pid)
    dead.request(("10.0.0.9", 1), 1000.0)
    mine = LoadBoard(tmp_path / "board")
    assert mine.slot == dead.slot  # its process is gone: the slot is free again
    assert mine.least_other() is None  # and nobody else is on the board


def test_alone_on_the_board_never_sheds(tmp_path: Path) -> None:
    mine = LoadBoard(tmp_path / "board")
    for port in range(50):
        mine.request(("10.0.0.1", port), 1000.0)
    assert not mine.shed(("10.0.0.1", 0), 1000.0)


def test_the_service_closes_a_crowded_workers_connection(api_settings: Settings, assistant, tmp_path: Path,
                                                         other_pid: int) -> None:
    """Over HTTP: a response sent while this worker is crowded carries `Connection: close`, the client's next
    request comes on a new connection, and /metrics counts the shed connection."""
    from assistant.api import create_app

    board = LoadBoard(tmp_path / "board")
    LoadBoard(tmp_path / "board", pid=other_pid)  # another worker, idle
    with LiveServer(create_app(api_settings, assistant=assistant, board=board)) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        first = client.post("/v1/ask", json={"question": "忘记密码了怎么办"})
        assert first.status_code == 200 and first.headers.get("connection") != "close"
        for port in range(4):  # four more clients busy here, none at the other worker
            board.request(("10.0.0.1", port))
        crowded = client.post("/v1/ask", json={"question": "怎么开通直播"})
        assert crowded.status_code == 200 and crowded.headers["connection"] == "close"
        assert crowded.json()["decision"] == assistant.ask("怎么开通直播").decision  # answered as usual
        again = client.post("/v1/ask", json={"question": "怎么开通直播"})  # httpx opens a new connection
        assert again.status_code == 200
        metrics = client.get("/metrics").text
    assert re.search(r"^faq_connections_rebalanced_total ([0-9.]+)$", metrics, re.M)
    assert float(re.search(r"^faq_connections_rebalanced_total ([0-9.]+)$", metrics, re.M).group(1)) >= 1
