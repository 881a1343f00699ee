"""The quality review sample in a real browser: two users ask, the admin opens 质检抽样, confirms the bot's answer
to one question and marks the other as one the KB cannot answer; both labels land in tune/reviewed.jsonl.
Screenshot: reports/screenshots/admin-review.png."""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.api.test_browser import SHOTS, TIMEOUT
from tests.api.test_browser_admin import learning_live  # noqa: F401  (the fixture)
from tests.api.test_review_api import ANSWERED, HANDED


def test_an_admin_labels_the_review_sample(browser: Any, learning_live: Any) -> None:  # noqa: F811
    live, settings, admin, _ = learning_live
    with httpx.Client(base_url=live.url) as http:
        said = [http.post("/v1/ask", json={"question": q, "session_id": f"review-shot-{n}"}).json()
                for n, q in enumerate((ANSWERED, HANDED))]
    assert [s["decision"] for s in said] == ["answer", "handoff"]
    bot = said[0]["answer"]

    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(live.url + "/admin")
    page.locator("#key").fill(admin["Authorization"].removeprefix("Bearer "))
    page.get_by_role("button", name="登录").click()
    page.locator("#gap-count").wait_for()
    page.get_by_role("button", name="质检抽样").click()
    answered = page.locator("#review-list li", has_text=ANSWERED)
    handed = page.locator("#review-list li", has_text=HANDED)
    answered.wait_for()
    expect(page.locator("#review-tally")).to_contain_text("已标注 0 个问题")
    page.screenshot(path=str(SHOTS / "admin-review.png"), full_page=True)
    answered.locator("button.primary", has_text=bot["question"]).click()
    expect(answered).to_contain_text("已标注：" + bot["id"])
    handed.get_by_role("button", name="知识库答不了").click()
    expect(handed).to_contain_text("已标注：知识库答不了")
    page.screenshot(path=str(SHOTS / "admin-review-done.png"), full_page=True)
    page.get_by_role("button", name="换一批").click()
    expect(page.locator("#review-tally")).to_contain_text("已标注 2 个问题：机器人直接回答的 1 个中答对 1 个")
    lines = (settings.kb_dir / "tune" / "reviewed.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x) for x in lines] == [{"query": ANSWERED, "expected": bot["id"]},
                                              {"query": HANDED, "expected": None}]
