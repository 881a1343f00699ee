"""Live updates over a real server: the user's ticket stream and the agents' queue stream carry each change as it
happens, with the headers a reverse proxy needs, heartbeats, and an end after `wait` seconds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.live import LiveServer


@pytest.fixture()
def fast(app_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(app_factory(stream_heartbeat_s=1.0)) as server:
        yield server


def read_events(url: str, headers: dict[str, str], out: list[tuple[str, object]], wait: float) -> None:
    with httpx.stream("GET", url, params={"wait": wait}, headers=headers, timeout=30) as r:
        out.append(("status", (r.status_code, r.headers.get("content-type"), r.headers.get("x-accel-buffering"),
                               r.headers.get("cache-control"))))
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.append((str(event), json.loads(line[6:])))
            elif line.startswith(": ping"):
                out.append(("ping", None))


def wait_for(found: list[tuple[str, object]], test, seconds: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not any(test(item) for item in list(found)):
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def test_the_user_and_the_agent_see_changes_live(fast: LiveServer, agent: dict) -> None:
    asked = httpx.post(f"{fast.url}/v1/ask", json={"question": "我的视频背景音乐怎么换"}).json()
    tid, token = asked["ticket_id"], asked["ticket_token"]
    user: list[tuple[str, object]] = []
    queue: list[tuple[str, object]] = []
    threads = [threading.Thread(target=read_events, args=(f"{fast.url}/v1/tickets/{tid}/stream",
                                                          {"X-Ticket-Token": token}, user, 8)),
               threading.Thread(target=read_events, args=(f"{fast.url}/v1/agent/stream", agent, queue, 8))]
    for t in threads:
        t.start()
    wait_for(user, lambda e: e[0] == "ticket")
    wait_for(queue, lambda e: e[0] == "queue")
    assert user[0] == ("status", (200, "text/event-stream; charset=utf-8", "no", "no-cache"))
    httpx.post(f"{fast.url}/v1/agent/tickets/{tid}/claim", headers=agent)
    httpx.post(f"{fast.url}/v1/agent/tickets/{tid}/reply", json={"text": "请提供视频链接", "pending": True},
               headers=agent)
    wait_for(user, lambda e: e[0] == "ticket" and e[1]["status_text"] == "等待您补充信息")  # type: ignore[index]
    httpx.post(f"{fast.url}/v1/tickets/{tid}/messages", json={"text": "https://v.example.com/1"},
               headers={"X-Ticket-Token": token})
    wait_for(queue, lambda e: e[0] == "queue" and e[1]["attention"] == [tid])  # type: ignore[index]
    wait_for(user, lambda e: e[0] == "ping")  # idle: heartbeats
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive()  # the stream ends after `wait` seconds


def test_streams_need_the_token_or_a_key(fast: LiveServer) -> None:
    asked = httpx.post(f"{fast.url}/v1/ask", json={"question": "我的视频背景音乐怎么换"}).json()
    no_token = httpx.get(f"{fast.url}/v1/tickets/{asked['ticket_id']}/stream")
    assert no_token.status_code == 401 and no_token.json()["code"] == "ticket_token_required"
    wrong = httpx.get(f"{fast.url}/v1/tickets/{asked['ticket_id']}/stream", headers={"X-Ticket-Token": "x"})
    assert wrong.status_code == 404 and wrong.headers["content-type"].startswith("application/problem+json")
    assert httpx.get(f"{fast.url}/v1/agent/stream").status_code == 401
    too_long = httpx.get(f"{fast.url}/v1/agent/stream", params={"wait": 10_000})
    assert too_long.status_code in (401, 422)
