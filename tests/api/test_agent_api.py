"""Agent endpoints: keys and roles, suggestions, the queue, and the ticket lifecycle over HTTP."""

from __future__ import annotations

from starlette.testclient import TestClient

from assistant.keys import KeyRing


def handoff(client: TestClient, question: str = "我的视频背景音乐怎么换", session: str | None = None) -> dict:
    body = client.post("/v1/ask", json={"question": question, **({"session_id": session} if session else {})}).json()
    assert body["decision"] == "handoff", body
    return body


def test_keys_and_roles(client: TestClient, agent: dict, admin: dict, api_settings) -> None:
    missing = client.get("/v1/agent/tickets")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/agent/tickets", headers={"Authorization": "Bearer faq_nope"}).status_code == 401
    assert client.get("/v1/agent/tickets", headers={"Authorization": "Basic YTpi"}).status_code == 401
    forbidden = client.get("/v1/admin/stats", headers=agent)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert client.get("/v1/agent/tickets", headers=admin).status_code == 200  # an admin may act as an agent
    me = client.get("/v1/agent/me", headers=agent).json()
    assert me["name"] == "alice" and me["role"] == "agent" and "payments" in me["teams"]
    KeyRing(api_settings.keys_file).revoke("alice")
    assert client.get("/v1/agent/me", headers=agent).status_code == 401  # no restart needed


def test_suggest(client: TestClient, agent: dict) -> None:
    r = client.get("/v1/agent/suggest", params={"q": "密码忘了", "k": 4}, headers=agent)
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "密码忘了" and len(body["suggestions"]) == 4
    top = body["suggestions"][0]
    assert top["id"] == "account-password-reset-phone" and top["answer"] and top["matched_question"]
    assert 0 <= top["score"] <= 1
    assert client.get("/v1/agent/suggest", params={"q": " ", "k": 4}, headers=agent).status_code == 422
    assert client.get("/v1/agent/suggest", params={"q": "密码", "k": 0}, headers=agent).status_code == 422


def test_the_queue(client: TestClient, agent: dict) -> None:
    first = handoff(client, "我的视频背景音乐怎么换")
    second = handoff(client, "我要起诉你们")
    client.post("/v1/ask", json={"question": "直播", "session_id": "queue-session"})
    third = handoff(client, "你们老板是谁", session="queue-session")
    queue = client.get("/v1/agent/tickets", headers=agent).json()
    # a legal threat is urgent: it comes first, then the others oldest first
    assert [t["id"] for t in queue["tickets"]] == [second["ticket_id"], first["ticket_id"], third["ticket_id"]]
    assert [t["priority"] for t in queue["tickets"]] == [2, 0, 0]
    t = queue["tickets"][2]
    assert t["question"] == "你们老板是谁" and t["confidence"] == third["confidence"]
    assert [c["question"] for c in t["conversation"]] == ["直播", "你们老板是谁"]
    assert t["suggestions"] and t["suggestions"][0]["answer"] and t["age_seconds"] >= 0
    safety = client.get("/v1/agent/tickets", params={"team": "safety"}, headers=agent).json()
    assert [x["id"] for x in safety["tickets"]] == [second["ticket_id"]]
    client.post(f"/v1/agent/tickets/{first['ticket_id']}/claim", headers=agent)
    claimed = client.get("/v1/agent/tickets", params={"status": "claimed"}, headers=agent).json()
    assert [x["id"] for x in claimed["tickets"]] == [first["ticket_id"]]
    assert client.get("/v1/agent/tickets", params={"status": "lost"}, headers=agent).status_code == 422
    unknown_team = client.get("/v1/agent/tickets", params={"team": "marketing"}, headers=agent)
    assert unknown_team.status_code == 422 and unknown_team.json()["code"] == "unknown_team"


def test_claim_reply_and_the_user_sees_it(client: TestClient, agent: dict, agent2: dict) -> None:
    body = handoff(client)
    tid, token = body["ticket_id"], body["ticket_token"]
    won = client.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    assert won.status_code == 200 and won.json()["assignee"] == "alice"
    lost = client.post(f"/v1/agent/tickets/{tid}/claim", headers=agent2)
    assert lost.status_code == 409 and lost.json()["code"] == "ticket_conflict"
    assert "alice" in lost.json()["detail"]
    not_yours = client.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "hi"}, headers=agent2)
    assert not_yours.status_code == 409
    kept = client.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "请问您在哪个城市？", "keep_open": True},
                       headers=agent)
    assert kept.json()["status"] == "claimed"
    done = client.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "北京今天晴，20 度。"}, headers=agent)
    assert done.json()["status"] == "resolved"
    seen = client.get(f"/v1/tickets/{tid}", headers={"X-Ticket-Token": token}).json()
    assert seen["status"] == "resolved" and seen["reply"] == "北京今天晴，20 度。"
    assert [r["text"] for r in seen["replies"]] == ["请问您在哪个城市？", "北京今天晴，20 度。"]
    detail = client.get(f"/v1/agent/tickets/{tid}", headers=agent).json()
    assert [(e["actor"], e["action"]) for e in detail["events"]] == [
        ("bot", "create"), ("alice", "claim"), ("alice", "reply"), ("alice", "resolve")]


def test_transfer_and_release(client: TestClient, agent: dict, agent2: dict) -> None:
    tid = handoff(client)["ticket_id"]
    client.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    assert client.post(f"/v1/agent/tickets/{tid}/release", headers=agent2).status_code == 409
    released = client.post(f"/v1/agent/tickets/{tid}/release", headers=agent).json()
    assert released["status"] == "open" and released["assignee"] is None
    moved = client.post(f"/v1/agent/tickets/{tid}/transfer", json={"team": "live", "note": "直播相关"},
                        headers=agent2)
    assert moved.status_code == 200 and moved.json()["team"] == "live" and moved.json()["status"] == "open"
    bad = client.post(f"/v1/agent/tickets/{tid}/transfer", json={"team": "nobody", "note": "试试"}, headers=agent)
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_team"
    assert client.post("/v1/agent/tickets/99999/claim", headers=agent).status_code == 404


def test_empty_reply_is_refused(client: TestClient, agent: dict) -> None:
    tid = handoff(client)["ticket_id"]
    client.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    r = client.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "   "}, headers=agent)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    r = client.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "好", "keep_open": "yes"}, headers=agent)
    assert r.status_code == 422
