"""The quality review sample over HTTP: recent questions in random order (not small talk or requests for a
person), a reviewer labels each with its entry or none; the label lands in the KB's tune/reviewed.jsonl, which the
next build learns from, and the tally says how often the bot's answer was right."""

from __future__ import annotations

import json
from typing import Any

from assistant.kb import load_kb
from tests.api.test_learning_api import loop  # noqa: F401  (the fixture)

ANSWERED = "忘记密码了怎么办"
HANDED = "草稿不见了怎么恢复"


def test_a_reviewer_labels_a_random_sample_and_the_build_reads_the_labels(loop: Any) -> None:  # noqa: F811
    client, settings, admin, agent = loop
    said = {q: client.post("/v1/ask", json={"question": q, "session_id": f"review-{n}"}).json()
            for n, q in enumerate((ANSWERED, HANDED, "你好", "给我转人工"))}
    assert [said[q]["decision"] for q in said] == ["answer", "handoff", "smalltalk", "handoff"], said
    assert client.get("/v1/admin/reviews", headers=agent).status_code == 403

    sample = client.get("/v1/admin/reviews", headers=admin, params={"limit": 10}).json()
    turns = {t["question"]: t for t in sample["turns"]}
    assert set(turns) == {ANSWERED, HANDED}, sample  # no small talk, no request for a person
    assert (sample["reviewed"], sample["answered"], sample["answered_right"]) == (0, 0, 0)
    bot = said[ANSWERED]["answer"]["id"]
    assert turns[ANSWERED]["entry_id"] == bot and turns[ANSWERED]["choices"][0]["id"] == bot
    assert turns[HANDED]["entry_id"] is None

    right = client.post(f"/v1/admin/reviews/{turns[ANSWERED]['turn_id']}", headers=admin, json={"expected": bot})
    assert right.status_code == 200 and right.json()["bot_entry"] == bot
    again = client.post(f"/v1/admin/reviews/{turns[ANSWERED]['turn_id']}", headers=admin, json={"expected": bot})
    assert again.status_code == 409 and again.json()["code"] == "review_done"
    unknown = client.post(f"/v1/admin/reviews/{turns[HANDED]['turn_id']}", headers=admin, json={"expected": "nope"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "entry_not_found"
    missing = client.post("/v1/admin/reviews/999999", headers=admin, json={"expected": None})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "turn_not_found"
    bad = client.post(f"/v1/admin/reviews/{turns[HANDED]['turn_id']}", headers=admin, json={"entry": None})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    none = client.post(f"/v1/admin/reviews/{turns[HANDED]['turn_id']}", headers=admin, json={"expected": None})
    assert none.status_code == 200

    after = client.get("/v1/admin/reviews", headers=admin).json()
    assert after["turns"] == [] and (after["reviewed"], after["answered"], after["answered_right"]) == (2, 1, 1)
    lines = [json.loads(x) for x in (settings.kb_dir / "tune" / "reviewed.jsonl").read_text("utf-8").splitlines()]
    assert lines == [{"query": ANSWERED, "expected": bot}, {"query": HANDED, "expected": None}]
    tune = {q.query: q.expected for q in load_kb(settings.kb_dir, settings.teams).tune}
    assert tune[ANSWERED] == (bot,) and tune[HANDED] == ()
    events = client.get("/v1/admin/events", headers=admin).json()["events"]
    assert [e["action"] for e in events[:2]] == ["review", "review"] and events[0]["actor"] == "root"
