"""`assistant serve` with two workers, its supervisor killed with SIGKILL under load, 20 times over: the workers
go with it (no orphan keeps serving or holding the port), the next start binds the port at once, and no ticket
that was acknowledged is lost."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from tests.api.live import free_port
from tests.api.test_server_durability import _serve, _stop, _wait_ready, write_tickets

CYCLES = 20


def _children(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: its children, theirs, ...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_killing_the_supervisor_takes_the_workers_along(api_settings: Settings, built_index: Path,
                                                         tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[tuple[int, str, str]] = []
    supervisors: list[int] = []
    for cycle in range(CYCLES):
        server = _serve(api_settings, port, log, FAQ_WORKERS="2", FAQ_INDEX_WATCH_S="5")
        supervisors.append(server.pid)
        workers: set[int] = set()
        try:
            _wait_ready(url, server, log)
            workers = _children(server.pid)
            assert len(workers) >= 2, workers
            stop, before = threading.Event(), len(acknowledged)
            writers = [threading.Thread(target=write_tickets, args=(url, f"第 {cycle} 轮工单 {n}", stop, acknowledged))
                       for n in range(4)]
            for w in writers:
                w.start()
            deadline = time.monotonic() + 30
            while len(acknowledged) < before + 10 and time.monotonic() < deadline:
                time.sleep(0.02)
            server.send_signal(signal.SIGKILL)  # mid-write
            server.wait()
            stop.set()
            for w in writers:
                w.join()
            deadline = time.monotonic() + 20
            while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            orphans = [pid for pid in workers if _alive(pid)]
            assert not orphans, f"cycle {cycle}: workers {orphans} outlived their supervisor"
            assert _port_free(port), f"cycle {cycle}: the port is still held"
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            for pid in workers:  # only after a failure: the processes this test started, by id
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
    assert len(acknowledged) >= 10 * CYCLES

    restarted = _serve(api_settings, port, log)
    try:
        _wait_ready(url, restarted, log)
        with httpx.Client(base_url=url, timeout=10) as client:
            for ticket_id, token, text in acknowledged:
                r = client.get(f"/v1/tickets/{ticket_id}", headers={"X-Ticket-Token": token})
                assert r.status_code == 200 and r.json()["question"] == text, (ticket_id, r.text)
    finally:
        _stop(restarted)
    left = [folder for pid in supervisors for folder in Path(tempfile.gettempdir()).glob(f"faq-workers-{pid}-*")]
    assert not left, left  # the killed supervisors' shared folders were removed at the next start
    print(f"{CYCLES} kill -9 cycles: {len(acknowledged)} tickets acknowledged, all read back; no orphan")
