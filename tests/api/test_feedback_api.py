"""The feedback collector over HTTP: feedback in the chat recorded with a token, the 意见反馈 form, the item's
status in the user's words, and the product board for product and admin keys only."""

from __future__ import annotations

import csv
import io

from starlette.testclient import TestClient

from assistant.config import Settings

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
       "RU5ErkJggg==")


def test_feedback_in_the_chat_is_recorded_and_followed(client: TestClient, key_for, api_settings: Settings) -> None:
    res = client.post("/v1/ask", json={"question": "我想给你们提个建议，能不能加个批量下载视频的功能"}).json()
    assert res["decision"] == "feedback"
    assert res["feedback"]["category"] == "feature_request"
    assert "建议" in res["message"] and res["ticket_id"] is None
    item_id, token = res["feedback_id"], res["feedback_token"]
    question = client.post("/v1/ask", json={"question": "怎么下载视频"}).json()
    assert question["decision"] != "feedback" and question["feedback_id"] is None

    assert client.get(f"/v1/feedback/items/{item_id}").json()["code"] == "feedback_token_required"
    wrong = client.get(f"/v1/feedback/items/{item_id}", headers={"X-Feedback-Token": "nope"})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "feedback_not_found")
    mine = client.get(f"/v1/feedback/items/{item_id}", headers={"X-Feedback-Token": token}).json()
    assert (mine["status"], mine["status_text"]) == ("received", "已收到，等待产品团队查看")

    product = key_for(api_settings, "pm-li", "product")
    topics = client.get("/v1/product/topics", headers=product).json()["topics"]
    assert [t["reports"] for t in topics] == [1]
    done = client.post(f"/v1/product/topics/{topics[0]['id']}/status", json={"status": "planned"}, headers=product)
    assert done.json()["items_updated"] == 1 and done.json()["topic"]["status_by"] == "pm-li"
    mine = client.get(f"/v1/feedback/items/{item_id}", headers={"X-Feedback-Token": token}).json()
    assert mine["status_text"] == "已采纳，计划在后续版本上线"
    assert [h["status"] for h in mine["history"]] == ["received", "planned"]


def test_a_bug_report_that_asks_for_help_gets_help_and_is_recorded(client: TestClient) -> None:
    """Feedback that asks (…怎么办) is not only thanked for: the KB's answer, or else a person, and the item too."""
    res = client.post("/v1/ask", json={"question": "私信里的语音条一直点不开 重装了也没用 怎么办"}).json()
    assert res["feedback"]["category"] == "bug" and res["feedback_id"] is not None
    assert res["decision"] in ("answer", "clarify", "handoff") and res["intent"] == "question"
    if res["decision"] == "handoff":
        assert res["ticket_id"] is not None and res["offer_human"]
    told = client.post("/v1/ask", json={"question": "更新以后私信里的语音条全都点不开了"}).json()
    assert told["decision"] == "feedback" and told["feedback"]["category"] == "bug"


def test_the_feedback_form_with_a_screenshot_and_a_contact(client: TestClient, admin: dict) -> None:
    res = client.post("/v1/feedback/items", json={"text": "夜间模式下私信的字看不清", "contact": "138 0000 0000",
                                                  "screenshot": PNG, "session_id": "sess-0001"})
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["status"] == "received" and f"#{body['feedback_id']}" in body["message"]
    bad = client.post("/v1/feedback/items", json={"text": "截图", "screenshot": "data:text/html;base64,PGI+"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    topic = client.get("/v1/product/topics", headers=admin).json()["topics"][0]  # admins see the board too
    export = client.get(f"/v1/product/topics/{topic['id']}/export.csv", headers=admin)
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["text"], r["contact"], r["source"]) for r in rows] == [("夜间模式下私信的字看不清", "138 0000 0000",
                                                                       "form")]


def test_the_board_needs_a_product_or_admin_key(client: TestClient, agent: dict, key_for,
                                                api_settings: Settings) -> None:
    assert client.get("/v1/product/topics").status_code == 401
    assert client.get("/v1/product/topics", headers=agent).json()["code"] == "forbidden"
    product = key_for(api_settings, "pm-wang", "product")
    assert client.get("/v1/agent/tickets", headers=product).status_code == 403  # not an agent
    assert client.get("/v1/product/me", headers=product).json()["role"] == "product"
    assert client.post("/v1/product/topics/77/status", json={"status": "planned"},
                       headers=product).json()["code"] == "topic_not_found"
    assert client.get("/v1/product/topics?status=bogus", headers=product).status_code == 422
