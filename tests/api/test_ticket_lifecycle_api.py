"""The ticket lifecycle over HTTP, with the service's clock in the test's hand: the user follows the ticket in
words (queue place, expected wait, service hours), answers the agent on the ticket, rates and reopens; agents
see SLA time left, attention, notes, canned replies; stats per team. Bad input is problem+json."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.config import Settings
from assistant.desk import DeskStore
from assistant.desk.clock import ManualClock
from tests.api.test_agent_api import handoff

KB = Path(__file__).resolve().parents[2] / "kb"
QUESTION = "我的视频背景音乐怎么换"


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock()  # 10:00 in Beijing, within the default service hours


@pytest.fixture()
def timed(api_settings: Settings, assistant, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    from assistant.api import create_app

    kb = tmp_path / "kb"
    kb.mkdir()
    shutil.copy(KB / "canned_replies.yaml", kb)
    store = DeskStore.from_dsn(f"sqlite:///{tmp_path / 'tickets.db'}", clock=clock)
    app = create_app(api_settings.model_copy(update={"kb_dir": kb}), assistant=assistant, store=store)
    with TestClient(app) as client:
        yield client
    store.close()


def follow(client: TestClient, tid: int, token: str) -> dict:
    r = client.get(f"/v1/tickets/{tid}", headers={"X-Ticket-Token": token})
    assert r.status_code == 200, r.text
    return r.json()


def problem(r, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["code"] == code


def test_the_user_follows_the_case_to_its_end(timed: TestClient, clock: ManualClock, agent: dict,
                                               agent2: dict) -> None:
    first = handoff(timed, QUESTION, "sess-life-0001")
    tid, token = first["ticket_id"], first["ticket_token"]
    user = {"X-Ticket-Token": token}
    seen = follow(timed, tid, token)
    assert seen["status_text"] == "排队中，第 1 位，预计 5 分钟" and seen["position"] == 1
    assert [h["text"] for h in seen["history"]] == ["已提交"] and seen["out_of_hours"] is None
    second = handoff(timed, QUESTION, "sess-life-0002")
    assert follow(timed, second["ticket_id"], second["ticket_token"])["status_text"] == "排队中，第 2 位，预计 10 分钟"

    timed.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    clock.advance(minutes=3)
    asked = timed.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "请问是哪条视频？发一下链接", "pending": True},
                       headers=agent)
    assert asked.json()["status"] == "pending"
    seen = follow(timed, tid, token)
    assert seen["status_text"] == "等待您补充信息" and seen["can_write"]
    assert [(m["author"], m["text"]) for m in seen["messages"]] == [("agent", "请问是哪条视频？发一下链接")]

    answered = timed.post(f"/v1/tickets/{tid}/messages", json={"text": "就是昨天发的那条旅行vlog"}, headers=user)
    assert answered.json()["status"] == "claimed" and answered.json()["status_text"] == "客服处理中"
    queue = timed.get("/v1/agent/tickets", params={"mine": True}, headers=agent).json()
    assert [(t["id"], t["attention"]) for t in queue["tickets"]] == [(tid, True)]

    timed.post(f"/v1/agent/tickets/{tid}/notes", json={"text": "内部：疑似版权音乐"}, headers=agent)
    problem(timed.post(f"/v1/agent/tickets/{tid}/transfer", json={"team": "content-review"}, headers=agent),
            422, "invalid_request")
    timed.post(f"/v1/agent/tickets/{tid}/transfer", json={"team": "content-review", "note": "版权音乐，请审核"},
               headers=agent)
    seen = follow(timed, tid, token)
    assert seen["status_text"].startswith("已转交内容审核团队 · 排队中，第 1 位")
    assert "内部" not in str(seen) and "版权音乐，请审核" not in str(seen)  # notes are for agents only
    detail = timed.get(f"/v1/agent/tickets/{tid}", headers=agent2).json()
    assert [e["text"] for e in detail["events"] if e["action"] in ("note", "transfer")] == [
        "内部：疑似版权音乐", "版权音乐，请审核"]
    assert [e["id"] for e in detail["earlier"]] == []

    timed.post(f"/v1/agent/tickets/{tid}/claim", headers=agent2)
    timed.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "已帮您替换为可商用音乐"}, headers=agent2)
    seen = follow(timed, tid, token)
    assert seen["status_text"] == "已解决" and seen["can_rate"] and seen["can_reopen"] and not seen["can_write"]
    assert [h["text"] for h in seen["history"]] == ["已提交", "客服处理中", "等待您补充信息", "客服处理中",
                                                    "已转交内容审核团队", "客服处理中", "已解决"]
    problem(timed.post(f"/v1/tickets/{tid}/messages", json={"text": "还有"}, headers=user), 409, "ticket_conflict")
    problem(timed.post(f"/v1/tickets/{tid}/rating", json={"score": 6}, headers=user), 422, "invalid_request")
    problem(timed.post(f"/v1/tickets/{tid}/rating", json={"score": "5"}, headers=user), 422, "invalid_request")
    rated = timed.post(f"/v1/tickets/{tid}/rating", json={"score": 5, "comment": "很快"}, headers=user).json()
    assert rated["rating"] == 5 and not rated["can_rate"]
    problem(timed.post(f"/v1/tickets/{tid}/rating", json={"score": 1}, headers=user), 409, "ticket_conflict")


def test_reopen_window_and_the_token(timed: TestClient, clock: ManualClock, agent: dict) -> None:
    body = handoff(timed, QUESTION, "sess-life-0003")
    tid, user = body["ticket_id"], {"X-Ticket-Token": body["ticket_token"]}
    problem(timed.post(f"/v1/tickets/{tid}/messages", json={"text": "在吗"}), 401, "ticket_token_required")
    problem(timed.post(f"/v1/tickets/{tid}/messages", json={"text": "在吗"}, headers={"X-Ticket-Token": "nope"}),
            404, "ticket_not_found")
    problem(timed.post(f"/v1/tickets/{tid}/messages", json={"text": " "}, headers=user), 422, "invalid_request")
    problem(timed.post(f"/v1/tickets/{tid}/reopen", headers=user), 409, "ticket_conflict")
    timed.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    timed.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "好了"}, headers=agent)
    clock.advance(days=2)
    back = timed.post(f"/v1/tickets/{tid}/reopen", json={"text": "还是不行"}, headers=user).json()
    assert back["status"] == "open" and back["history"][-1]["text"] == "已重新打开，等待客服处理"
    timed.post(f"/v1/agent/tickets/{tid}/claim", headers=agent)
    timed.post(f"/v1/agent/tickets/{tid}/reply", json={"text": "这次好了"}, headers=agent)
    clock.advance(days=7, seconds=1)
    assert not follow(timed, tid, body["ticket_token"])["can_reopen"]
    problem(timed.post(f"/v1/tickets/{tid}/reopen", headers=user), 409, "reopen_expired")


def test_sla_queue_and_service_hours(timed: TestClient, clock: ManualClock, agent: dict, admin: dict) -> None:
    late = handoff(timed, QUESTION, "sess-life-0004")["ticket_id"]
    clock.advance(minutes=50)
    fresh = handoff(timed, QUESTION, "sess-life-0005")["ticket_id"]
    clock.advance(minutes=20)
    queue = timed.get("/v1/agent/tickets", headers=agent).json()["tickets"]
    assert [t["id"] for t in queue] == [late, fresh]
    assert queue[0]["sla"]["breached"] and queue[0]["sla"]["left_seconds"] == -600.0
    assert not queue[1]["sla"]["breached"] and queue[1]["sla"]["left_seconds"] == 2400.0
    timed.post(f"/v1/agent/tickets/{fresh}/claim", headers=agent)
    timed.post(f"/v1/agent/tickets/{fresh}/reply", json={"text": "已处理"}, headers=agent)
    assert timed.post(f"/v1/agent/tickets/{late}/spam", headers=agent).json()["status"] == "closed"
    stats = timed.get("/v1/admin/stats", headers=admin).json()
    team = next(iter(stats["teams"].values()))
    assert team["tickets"] == 2 and team["first_response_p50_s"] == 1200.0 and stats["sla_met"] == 1.0
    assert stats["tickets"]["closed"] == 1 and stats["csat"] is None

    clock.advance(hours=13)  # 23:10 in Beijing
    night = handoff(timed, QUESTION, "sess-life-0006")
    seen = follow(timed, night["ticket_id"], night["ticket_token"])
    assert "9:00-22:00" in seen["out_of_hours"] and "09:00" in seen["out_of_hours"]
    assert seen["expected_wait_minutes"] == 20  # the team's first response took 20 minutes


def test_canned_replies(timed: TestClient, agent: dict) -> None:
    tid = handoff(timed, QUESTION, "sess-life-0007")["ticket_id"]
    found = timed.get("/v1/agent/canned", params={"q": "开场", "ticket_id": tid}, headers=agent).json()
    assert [r["id"] for r in found["replies"]] == ["greeting"]
    assert f"#{tid}" in found["replies"][0]["text"] and "alice" in found["replies"][0]["text"]
    assert "{{" not in found["replies"][0]["text"]
    every = timed.get("/v1/agent/canned", headers=agent).json()["replies"]
    assert len(every) == 7 and "{{ticket_id}}" in every[0]["text"]
    problem(timed.get("/v1/agent/canned", params={"ticket_id": 99999}, headers=agent), 404, "ticket_not_found")
