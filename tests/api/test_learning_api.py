"""The learning loop over HTTP: unanswered questions become gaps with a suggestion and its evidence; a maintainer
accepts (the KB's YAML changes in place), edits then accepts, or rejects, and every action is audited."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from tests.conftest import FIXTURE_KB

DRAFTS = ("草稿不见了怎么恢复", "删掉的草稿还能找回来吗", "草稿被我误删了怎么办")  # handed off by the fixture KB
AGENT_REPLY = "草稿保存在本机：打开「我」→「草稿箱」查看。卸载 App 或清除缓存会删除草稿，删除后无法恢复。"


def learning_settings(api_settings: Any, built_index: Path, tmp_path: Path) -> Any:
    """A writable copy of the fixture KB and an index folder holding the session's built version."""
    kb, index = tmp_path / "kb", tmp_path / "index"
    shutil.copytree(FIXTURE_KB, kb)
    (index / "versions").mkdir(parents=True)
    shutil.copytree(built_index, index / "versions" / built_index.name)
    os.symlink(Path("versions") / built_index.name, index / "current")
    return api_settings.model_copy(update={"kb_dir": kb, "index_dir": index})


@pytest.fixture()
def loop(api_settings: Any, built_index: Path, tmp_path: Path, assistant: Any, key_for: Any
         ) -> Iterator[tuple[TestClient, Any, dict[str, str], dict[str, str]]]:
    from assistant.api import create_app

    settings = learning_settings(api_settings, built_index, tmp_path)
    with TestClient(create_app(settings, assistant=assistant)) as client:
        yield client, settings, key_for(settings, "root", "admin"), key_for(settings, "alice", "agent")


def hand_off_and_answer(client: TestClient, agent: dict[str, str], question: str, reply: str, session: str) -> None:
    r = client.post("/v1/ask", json={"question": question, "session_id": session}).json()
    assert r["decision"] == "handoff", (question, r["decision"])
    client.post(f"/v1/agent/tickets/{r['ticket_id']}/claim", headers=agent).raise_for_status()
    client.post(f"/v1/agent/tickets/{r['ticket_id']}/reply", headers=agent, json={"text": reply}).raise_for_status()


def test_three_handoffs_in_other_words_are_one_gap_and_become_an_entry(loop: Any) -> None:
    client, settings, admin, agent = loop
    for n, q in enumerate(DRAFTS):
        hand_off_and_answer(client, agent, q, AGENT_REPLY, f"draft-session-{n}")
    gaps = client.get("/v1/admin/gaps", headers=admin).json()["gaps"]
    gap = next(g for g in gaps if any(i["question"] == DRAFTS[0] for i in g["items"]))
    assert gap["count"] == 3 and {i["question"] for i in gap["items"]} == set(DRAFTS)
    s = gap["suggestion"]
    assert (s["action"], s["answer"], s["strong"]) == ("new_entry", AGENT_REPLY, True)
    assert {e["kind"] for e in s["evidence"]} >= {"reply"} and DRAFTS[0] in gap["diff"]
    assert client.get("/v1/admin/gaps", headers=admin).json()["gaps"][0]["count"] == 3  # read twice, counted once

    done = client.post(f"/v1/admin/gaps/{gap['id']}/accept", headers=admin, json={}).json()
    assert done["status"] == "accepted" and f"- id: learned-gap-{gap['id']}" in done["diff"]
    entries = [e for f in settings.kb_dir.glob("cat*.yaml") for e in yaml.safe_load(f.read_text("utf-8"))["entries"]]
    new = next(e for e in entries if e["id"] == f"learned-gap-{gap['id']}")
    assert new["question"] == DRAFTS[0] and new["answer"].strip() == AGENT_REPLY
    again = client.post(f"/v1/admin/gaps/{gap['id']}/accept", headers=admin, json={})
    assert again.status_code == 409 and again.json()["code"] == "gap_decided"
    events = client.get("/v1/admin/events", headers=admin).json()["events"]
    assert events[0]["action"] == "accept" and events[0]["actor"] == "root" and events[0]["gap_id"] == gap["id"]


def test_a_clarify_pick_suggests_similar_questions_and_edits_and_rejections_are_audited(loop: Any) -> None:
    client, settings, admin, _ = loop
    question = "直播权限的事情"
    r = client.post("/v1/ask", json={"question": question, "session_id": "pick-session-1"}).json()
    if r["decision"] != "clarify":
        pytest.skip(f"the fixture KB {r['decision']}s this question; the pick needs a clarify")
    picked = r["alternatives"][0]
    client.post("/v1/ask", json={"question": picked["question"], "session_id": "pick-session-1"}).raise_for_status()
    gaps = client.get("/v1/admin/gaps", headers=admin).json()["gaps"]
    gap = next(g for g in gaps if any(i["question"] == question for i in g["items"]))
    assert gap["kinds"] == {"picked": 1}
    s = gap["suggestion"]
    assert (s["action"], s["entry_id"], s["questions"]) == ("add_similar", picked["id"], [question])
    edited = client.post(f"/v1/admin/gaps/{gap['id']}/accept", headers=admin,
                         json={"action": "add_similar", "entry_id": picked["id"],
                               "questions": [question, "仅自己可见"]})
    assert edited.status_code == 200
    from assistant.desk.learning.suggest import split_labelled
    from assistant.kb import load_kb

    similar, labelled = split_labelled([question, "仅自己可见"])
    kb = load_kb(settings.kb_dir, settings.teams)
    entry = kb.by_id()[picked["id"]]
    assert entry.learned == similar and entry.updated is not None  # questions from traffic: `learned`
    assert [(q.query, q.expected) for q in kb.tune] == [(q, (picked["id"],)) for q in labelled]
    assert all(f"- {q}" in edited.json()["diff"] for q in similar)

    client.post("/v1/ask", json={"question": "今天晚上吃什么好呢", "session_id": "other-session-1"})
    for g in client.get("/v1/admin/gaps", headers=admin).json()["gaps"]:
        r = client.post(f"/v1/admin/gaps/{g['id']}/reject", headers=admin, json={"reason": "noise"})
        assert r.status_code == 200
    assert client.get("/v1/admin/gaps", headers=admin).json()["gaps"] == []
    actions = [e["action"] for e in client.get("/v1/admin/events", headers=admin).json()["events"]]
    assert actions[-1] == "accept" and set(actions[:-1]) <= {"reject"}


def test_a_broken_edit_is_refused_and_the_kb_is_untouched(loop: Any) -> None:
    client, settings, admin, agent = loop
    hand_off_and_answer(client, agent, DRAFTS[0], AGENT_REPLY, "draft-session-x")
    gap = client.get("/v1/admin/gaps", headers=admin).json()["gaps"][0]
    before = {p.name: p.read_text("utf-8") for p in settings.kb_dir.glob("*.yaml")}
    r = client.post(f"/v1/admin/gaps/{gap['id']}/accept", headers=admin,
                    json={"action": "new_entry", "entry_id": "account-stolen", "questions": ["重复"], "answer": "x"})
    assert r.status_code == 422 and r.json()["code"] == "kb_edit_rejected"
    assert {p.name: p.read_text("utf-8") for p in settings.kb_dir.glob("*.yaml")} == before
    assert client.get("/v1/admin/gaps", headers=admin).json()["gaps"][0]["id"] == gap["id"]  # still open
    assert client.get("/v1/admin/gaps", headers=agent).status_code == 403


def test_insights_count_what_happened(loop: Any) -> None:
    client, _, admin, agent = loop
    hand_off_and_answer(client, agent, DRAFTS[0], AGENT_REPLY, "draft-session-y")
    r = client.post("/v1/ask", json={"question": "忘记密码了怎么找回", "session_id": "answer-session-1"}).json()
    assert r["decision"] == "answer"
    client.post("/v1/feedback", json={"session_id": "answer-session-1", "entry_id": r["answer"]["id"],
                                      "helpful": False}).raise_for_status()
    data = client.get("/v1/admin/insights", headers=admin).json()
    day = data["per_day"][-1]
    assert day["handoff"] == 1 and day["answer"] == 1
    assert data["deflection"]["share"] == 0.5 and data["handoffs_per_team"]
    assert data["helpfulness"][0] == {"entry_id": r["answer"]["id"], "helpful": 0, "not_helpful": 1, "rate": 0.0}
    assert {g["count"] for g in data["top_gaps"]} == {1} and len(data["top_gaps"]) == 2  # the handoff, the 没帮助
    assert data["top_questions"][0]["count"] == 1
