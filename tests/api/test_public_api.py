"""End-user endpoints through the real app: ask, hand off, follow a ticket, feedback."""

from __future__ import annotations

from starlette.testclient import TestClient

PROBLEM = "application/problem+json"


def ask(client: TestClient, question: str, **extra: object) -> dict:
    r = client.post("/v1/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_an_answer(client: TestClient) -> None:
    body = ask(client, "忘记密码了怎么办")
    assert body["decision"] == "answer" and body["ticket_id"] is None and body["ticket_token"] is None
    assert body["answer"]["id"] == "account-password-reset-phone"
    assert {"question", "answer", "category", "matched_question", "team", "risk"} <= set(body["answer"])
    assert len(body["session_id"]) >= 8 and body["session"] == body["session_id"]
    assert ask(client, "收不到验证码", session_id=body["session_id"])["session_id"] == body["session_id"]


def test_clarify_offers_choices(client: TestClient) -> None:
    body = ask(client, "直播", session_id="widget-session-c")
    assert body["decision"] == "clarify" and len(body["alternatives"]) == 3
    assert body["message"].startswith("您是不是想问")
    assert body["ticket_id"] is None
    turns = client.get("/v1/sessions/widget-session-c/turns").json()["turns"]  # what a reloaded widget shows
    assert turns[-1]["answer"] == body["message"]
    assert turns[-1]["choices"] == [{"id": a["id"], "question": a["question"]} for a in body["alternatives"]]
    ask(client, "忘记密码了怎么办", session_id="widget-session-c")
    assert client.get("/v1/sessions/widget-session-c/turns").json()["turns"][-1]["choices"] == []


def test_a_handoff_creates_a_ticket_the_user_can_follow(client: TestClient) -> None:
    body = ask(client, "我的视频背景音乐怎么换", session_id="widget-session-1")
    assert body["decision"] == "handoff" and body["ticket_id"] and body["ticket_token"]
    r = client.get(f"/v1/tickets/{body['ticket_id']}", headers={"X-Ticket-Token": body["ticket_token"]})
    assert r.status_code == 200
    ticket = r.json()
    assert ticket["status"] == "open" and ticket["question"] == "我的视频背景音乐怎么换"
    assert ticket["reply"] is None and ticket["replies"] == []
    assert "token" not in str(ticket.keys())
    again = ask(client, "转人工", session_id="widget-session-1")  # a second handoff: the same ticket
    assert again["ticket_id"] == body["ticket_id"] and again["ticket_token"] is None


def test_an_explicit_request_for_a_person(client: TestClient) -> None:
    body = ask(client, "转人工")
    assert body["decision"] == "handoff" and body["ticket_id"] and body["ticket_token"]
    assert body["message"] == "好的，正在为您转接人工客服，请稍候。"


def test_a_threat_goes_to_the_safety_team_with_the_entrys_steps_meanwhile(client: TestClient) -> None:
    body = ask(client, "有人一直私信威胁我 怎么把他拉黑", session_id="widget-session-s")
    assert body["decision"] == "handoff" and body["team"] == "safety" and body["ticket_id"]
    assert "110" in body["message"]
    assert body["answer"]["id"] == "safety-block-user"  # what to do while a person takes it
    turn = client.get("/v1/sessions/widget-session-s/turns").json()["turns"][-1]  # what a reload shows
    assert turn["answer"] == f"{body['message']}\n\n{body['answer']['answer']}"
    ticket = client.get(f"/v1/tickets/{body['ticket_id']}", headers={"X-Ticket-Token": body["ticket_token"]}).json()
    assert ticket["team"] == "safety"


def test_a_ticket_needs_its_token(client: TestClient) -> None:
    body = ask(client, "我的视频背景音乐怎么换")
    url = f"/v1/tickets/{body['ticket_id']}"
    missing = client.get(url)
    assert missing.status_code == 401 and missing.json()["code"] == "ticket_token_required"
    wrong = client.get(url, headers={"X-Ticket-Token": "guess"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "ticket_not_found"
    unknown = client.get("/v1/tickets/424242", headers={"X-Ticket-Token": body["ticket_token"]})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM


def test_the_human_button(client: TestClient) -> None:
    asked = ask(client, "直播", session_id="button-session")
    r = client.post("/v1/tickets", json={"session_id": "button-session", "contact": "13800000000",
                                         "description": "开播按钮是灰的"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["created"] and created["ticket_token"] and created["status"] == "open"
    assert f"#{created['ticket_id']}" in created["message"]
    seen = client.get(f"/v1/tickets/{created['ticket_id']}", headers={"X-Ticket-Token": created["ticket_token"]})
    assert seen.json()["question"] == asked["question"]
    same = client.post("/v1/tickets", json={"session_id": "button-session"})
    assert same.status_code == 200
    assert same.json()["ticket_id"] == created["ticket_id"] and same.json()["ticket_token"] is None


def test_the_human_button_needs_something_to_go_on(client: TestClient) -> None:
    r = client.post("/v1/tickets", json={"session_id": "fresh-session"})
    assert r.status_code == 404 and r.json()["code"] == "session_not_found"
    r = client.post("/v1/tickets", json={})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    r = client.post("/v1/tickets", json={"description": "   "})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    r = client.post("/v1/tickets", json={"description": "我的账号登不上了", "session_id": "fresh-session"})
    assert r.status_code == 201 and r.json()["team"]
    again = client.post("/v1/tickets", json={"session_id": "fresh-session"})  # the session's ticket, not a 422
    assert again.status_code == 200 and again.json()["ticket_id"] == r.json()["ticket_id"]
    assert again.json()["ticket_token"] is None and not again.json()["created"]


def test_feedback(client: TestClient) -> None:
    body = ask(client, "忘记密码了怎么办")
    entry = body["answer"]["id"]
    good = client.post("/v1/feedback", json={"session_id": body["session_id"], "entry_id": entry, "helpful": True})
    assert good.status_code == 200 and good.json() == {"recorded": True, "offer_human": False,
                                                       "message": "感谢您的反馈！"}
    bad = client.post("/v1/feedback", json={"session_id": body["session_id"], "entry_id": entry, "helpful": False,
                                            "comment": "步骤不对"})
    assert bad.json()["offer_human"] is True and "转接人工" in bad.json()["message"]
    unknown = client.post("/v1/feedback", json={"session_id": body["session_id"], "entry_id": "no-such-entry",
                                                "helpful": True})
    assert unknown.status_code == 404 and unknown.json()["code"] == "entry_not_found"
