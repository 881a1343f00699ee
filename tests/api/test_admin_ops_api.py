"""Maintainer and operations endpoints: stats, hot reload, health, readiness, metrics, pages, docs."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

from starlette.testclient import TestClient

from assistant import index as index_mod
from assistant.api import create_app


def publish_copy(built: Path, root: Path, name: str) -> None:
    """Publish a copy of the built fixture index as a new version under ``root``."""
    (root / "versions").mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, root / "versions" / name)
    index_mod.publish(root, root / "versions" / name)


def test_stats(client: TestClient, admin: dict) -> None:
    for n, q in enumerate(["忘记密码了怎么办", "收不到验证码怎么办", "直播", "今天天气怎么样", "转人工"]):
        session = f"stats-session-{n}"  # each on its own: no question is read as a follow-up of another
        body = client.post("/v1/ask", json={"question": q, "session_id": session}).json()
        if body["answer"]:
            client.post("/v1/feedback", json={"session_id": session, "entry_id": body["answer"]["id"],
                                              "helpful": q.startswith("忘记")})
    stats = client.get("/v1/admin/stats", headers=admin).json()
    assert stats["questions"] == 5 and sum(stats["decisions"].values()) == 5
    assert stats["decisions"]["handoff"] == 1 and stats["rates"]["handoff"] == 0.2
    assert stats["decisions"]["smalltalk"] == 1  # the weather: a polite reply, no ticket
    assert stats["open_tickets"] == 1 and stats["tickets"]["open"] == 1
    assert stats["feedback"] == {"helpful": 1, "not_helpful": 1} and stats["helpful_rate"] == 0.5
    assert stats["index_version"]


def test_reload_swaps_the_index_without_dropping_requests(api_settings, embedder, built_index: Path,
                                                          tmp_path: Path, key_for) -> None:
    root = tmp_path / "index"
    publish_copy(built_index, root, "20260101T000000000000Z-aaaaaaaa")
    settings = api_settings.model_copy(update={"index_dir": root})
    app = create_app(settings, embedder=embedder)
    admin = key_for(settings, "root", "admin")
    with TestClient(app) as client:
        assert client.get("/readyz").json()["index"] == "20260101T000000000000Z-aaaaaaaa"
        publish_copy(built_index, root, "20260102T000000000000Z-bbbbbbbb")
        statuses: list[int] = []
        stop = threading.Event()

        def keep_asking() -> None:
            while not stop.is_set():
                statuses.append(client.post("/v1/ask", json={"question": "忘记密码了怎么办"}).status_code)

        worker = threading.Thread(target=keep_asking)
        worker.start()
        try:
            r = client.post("/v1/admin/reload", headers=admin)
        finally:
            stop.set()
            worker.join()
        assert r.status_code == 200, r.text
        assert r.json()["previous"] == "20260101T000000000000Z-aaaaaaaa"
        assert r.json()["version"] == "20260102T000000000000Z-bbbbbbbb" and r.json()["changed"]
        assert statuses and set(statuses) == {200}
        assert client.get("/readyz").json()["index"] == "20260102T000000000000Z-bbbbbbbb"
        assert 'faq_index_info{version="20260102T000000000000Z-bbbbbbbb"} 1.0' in client.get("/metrics").text


def test_a_published_version_goes_live_without_a_call(api_settings, embedder, built_index: Path,
                                                     tmp_path: Path) -> None:
    """`assistant build` publishing index/current is enough: the service follows the link. A version that
    cannot be loaded is reported once and the one in service stays."""
    root = tmp_path / "index"
    publish_copy(built_index, root, "20260101T000000000000Z-aaaaaaaa")
    settings = api_settings.model_copy(update={"index_dir": root, "index_watch_s": 0.05})

    def wait_for(check, seconds: float = 20.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.05)
        return False

    with TestClient(create_app(settings, embedder=embedder)) as client:
        assert client.get("/readyz").json()["index"] == "20260101T000000000000Z-aaaaaaaa"
        publish_copy(built_index, root, "20260102T000000000000Z-bbbbbbbb")
        assert wait_for(lambda: client.get("/readyz").json()["index"] == "20260102T000000000000Z-bbbbbbbb")
        assert client.post("/v1/ask", json={"question": "忘记密码了怎么办"}).json()["decision"] == "answer"
        metrics = client.get("/metrics").text
        assert 'faq_index_info{version="20260102T000000000000Z-bbbbbbbb"} 1.0' in metrics
        assert 'faq_index_reloads_total{outcome="ok"} 1.0' in metrics

        broken = root / "versions" / "20260103T000000000000Z-cccccccc"
        shutil.copytree(built_index, broken)
        (broken / "dense.faiss").write_bytes(b"not a faiss index")
        index_mod.publish(root, broken)
        assert wait_for(lambda: 'faq_index_reloads_total{outcome="failed"} 1.0' in client.get("/metrics").text)
        time.sleep(0.3)  # several more looks at the same broken link: not tried again
        assert 'faq_index_reloads_total{outcome="failed"} 1.0' in client.get("/metrics").text
        assert client.get("/readyz").json()["index"] == "20260102T000000000000Z-bbbbbbbb"
        assert client.post("/v1/ask", json={"question": "忘记密码了怎么办"}).status_code == 200


def test_not_ready_until_an_index_is_loaded(api_settings, embedder, built_index: Path, tmp_path: Path,
                                           key_for) -> None:
    root = tmp_path / "index"
    settings = api_settings.model_copy(update={"index_dir": root})
    admin = key_for(settings, "root", "admin")
    with TestClient(create_app(settings, embedder=embedder)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["code"] == "index_unavailable"
        assert "assistant build" in ready.json()["detail"] and str(root) not in ready.text  # no paths for anyone
        asked = client.post("/v1/ask", json={"question": "忘记密码了怎么办"})
        assert asked.status_code == 503 and asked.headers["content-type"] == "application/problem+json"
        assert str(root) not in asked.text
        failed = client.post("/v1/admin/reload", headers=admin)
        assert failed.status_code == 503 and str(root) in failed.json()["detail"]  # an admin is told where
        publish_copy(built_index, root, "20260103T000000000000Z-cccccccc")
        assert client.post("/v1/admin/reload", headers=admin).status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/ask", json={"question": "忘记密码了怎么办"}).status_code == 200


def test_metrics(client: TestClient, agent: dict) -> None:
    client.post("/v1/ask", json={"question": "忘记密码了怎么办"})
    tid = client.post("/v1/ask", json={"question": "我的视频背景音乐怎么换"}).json()["ticket_id"]
    client.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    client.get("/v1/tickets/12345", headers={"X-Ticket-Token": "x"})
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'faq_questions_total{decision="answer"} 1.0' in text
    assert 'faq_tickets_created_total{source="bot"} 1.0' in text
    assert 'faq_ticket_steps_total{action="claim"} 1.0' in text
    assert 'faq_tickets{status="claimed"} 1.0' in text
    assert 'faq_http_requests_total{method="GET",route="/v1/tickets/{ticket_id}",status="404"} 1.0' in text
    assert "faq_http_request_duration_seconds_bucket" in text
    batches = re.findall(r'faq_ask_batch_size_count\{lane="(fresh|repeats)"\} ([\d.]+)', text)
    assert sum(float(n) for _, n in batches) >= 2  # (a question asked before is a repeat: the other lane)


def test_pages_and_docs(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "帮助中心" in page.text and "/static/widget.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    console = client.get("/agent")
    assert "客服工作台" in console.text and "frame-ancestors 'none'" in console.headers["content-security-policy"]
    for asset in ["widget.js", "widget.css", "console.js", "agent.js", "agent.css", "page.css"]:
        assert client.get(f"/static/{asset}").status_code == 200
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ["/v1/ask", "/v1/tickets", "/v1/tickets/{ticket_id}", "/v1/feedback", "/v1/agent/suggest",
                 "/v1/agent/tickets", "/v1/agent/tickets/{ticket_id}/claim", "/v1/agent/tickets/{ticket_id}/reply",
                 "/v1/agent/tickets/{ticket_id}/transfer", "/v1/agent/tickets/{ticket_id}/release",
                 "/v1/admin/reload", "/v1/admin/stats", "/healthz", "/readyz", "/metrics"]:
        assert path in paths, path
